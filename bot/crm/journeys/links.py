"""Tracked links in journey messages: a URL in a message step is sent as a short link on our own
web tier (`<public_url>/l/<token>`), which records the click and redirects to the URL.

Why a signed token that names (enrollment, step, language, n-th URL) and not the URL itself: the
link stays short, and the address it redirects to is read from the journey's version (immutable
once a customer is on it), never from the request, so a tampered or made-up token can only fail
(no open redirect). The signature (itsdangerous, HMAC with the app's secret key, compared in
constant time) makes tokens unguessable. Without a `[web] public_url` there is no address to link
to, and the URLs are sent as written (untracked).

A click is remembered once per message (the step run's `clicked_at`) and as the event
`link_clicked` on the enrollment (the "clicked a link" condition and a wait for that event read
it, like a button's answer); later clicks only redirect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.journeys.definition import flatten
from models import JourneyEnrollment, JourneyStepRun, JourneyVersion

CLICKED = "link_clicked"  # the event a click adds to the enrollment
URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+[^\s<>\"'()\[\]{}.,;:!?]")
_SALT = "journey-link"


@dataclass(frozen=True)
class Click:
    url: str
    enrollment_id: int
    step: str


def _signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.web.secret_key or "development-only-link-key", salt=_SALT)  # required in production


def tracking(settings: Settings) -> bool:
    return bool(settings.web.public_url.strip())


def language_key(texts: Mapping[str, str], language: str, settings: Settings) -> str:
    """Which of the step's texts a customer gets (theirs, else the shop's default, else the first)."""
    for key in (language, settings.app.default_language):
        if texts.get(key):
            return key
    return next(iter(texts))


def rewrite(settings: Settings, text: str, enrollment_id: int, step_id: str, language: str) -> str:
    """The step's text (before its fields are filled, so a URL in a customer's name is never
    tracked) with each http(s) URL replaced by its tracked link; unchanged when no public URL is
    set. `language` is the key of the step text it is."""
    if not tracking(settings) or "http" not in text:
        return text
    base = settings.web.public_url.strip().rstrip("/")
    signer = _signer(settings)
    counter = iter(range(1000))

    def tracked(match: re.Match[str]) -> str:
        return f"{base}/l/{signer.dumps([enrollment_id, step_id, language, next(counter)])}"

    return URL.sub(tracked, text)


def read(settings: Settings, token: str) -> tuple[int, str, str, int] | None:
    """The (enrollment, step, language, n) a token names, or None for a token we did not sign."""
    if len(token) > 300:
        return None
    try:
        value: Any = _signer(settings).loads(token)
    except BadData:
        return None
    if (not isinstance(value, list) or len(value) != 4 or not isinstance(value[0], int) or not isinstance(value[1], str)
            or not isinstance(value[2], str) or not isinstance(value[3], int)):
        return None
    return value[0], value[1], value[2], value[3]


def click(session: Session, settings: Settings, token: str, now: datetime) -> Click | None:
    """Record a click (once per message) and return where it goes; None when the token is not ours
    or names a link that does not exist."""
    named = read(settings, token)
    if named is None:
        return None
    enrollment_id, step_id, language, index = named
    enrollment = session.get(JourneyEnrollment, enrollment_id)
    if enrollment is None:
        return None
    version = session.get(JourneyVersion, enrollment.version_id)
    placed = flatten(list(version.steps)).get(step_id) if version else None
    texts = placed.step.get("text") if placed else None
    if not isinstance(texts, Mapping) or not isinstance(texts.get(language), str):
        return None
    urls = URL.findall(texts[language])
    if not 0 <= index < len(urls):
        return None
    first = cast("CursorResult[Any]", session.execute(update(JourneyStepRun).where(
        JourneyStepRun.enrollment_id == enrollment_id, JourneyStepRun.step == step_id, JourneyStepRun.clicked_at.is_(None))
        .values(clicked_at=now).execution_options(synchronize_session=False))).rowcount
    if first and enrollment.status == "active":
        note_event(enrollment, CLICKED, now)
    return Click(urls[index], enrollment_id, step_id)


def note_event(enrollment: JourneyEnrollment, label: str, now: datetime) -> None:
    """Remember an event on an active enrollment (conditions read it) and, when the enrollment
    waits for that event, make it due now."""
    seen = list(enrollment.context.get("events") or [])
    if label not in seen:
        enrollment.context = {**enrollment.context, "events": [*seen, label][-20:]}
    if enrollment.wait_event == label:
        enrollment.wait_event, enrollment.due_at = None, now


def step_runs_clicked(session: Session, journey_id: int) -> dict[str, int]:
    """Step id -> how many of its messages had a link clicked."""
    return {step: n for step, n in session.execute(
        select(JourneyStepRun.step, func.count()).where(JourneyStepRun.journey_id == journey_id,
                                                        JourneyStepRun.clicked_at.is_not(None))
        .group_by(JourneyStepRun.step))}
