"""The new-broadcast form: every field checked, each refusal naming the field and the reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.console.broadcast_card_form import parse_card
from bot.forms import FormErrors, hhmm_field, int_field
from bot.marketing.planning import POLICIES
from bot.marketing.schedule import next_occurrence
from bot.marketing.texts import fields_used, text_problem
from models import CouponTemplate, Segment

SCHEDULES = ("now", "at", "recurring")
LANGUAGE_NAMES = {"zh-TW": "繁體中文", "en": "English", "zh-CN": "简体中文"}  # each in itself: not translated
RECURRENCES = ("daily", "weekly")


def translation_field(language: str) -> str:
    """The form field of the text for readers of `language` (zh-CN -> text_zh_CN)."""
    return "text_" + language.replace("-", "_")


def parse_broadcast(session: Session, form: Any, zone: ZoneInfo, now: datetime,
                    default_language: str = "zh-TW") -> tuple[dict[str, Any], FormErrors]:
    """Broadcast column values from the form, and the errors."""
    errors = FormErrors()
    values: dict[str, Any] = {}
    name = (form.get("name") or "").strip()
    if not name:
        errors.add("name", "required")
    values["name"] = name[:100]
    segment_id = int_field(errors, "segment_id", form.get("segment_id"), low=1, required=True)
    segment = session.get(Segment, segment_id) if segment_id else None
    if segment_id and segment is None:
        errors.add("segment_id", "no such segment")
    values["segment_id"] = segment_id
    values["criteria"] = dict(segment.criteria) if segment else {}
    text = form.get("text") or ""
    problem = text_problem(text)
    if problem:
        errors.add("text", problem)
    values["text"] = text.strip()
    _translations_and_coupon(session, form, values, errors, default_language)
    parse_card(form, values, errors, tuple(lang for lang in LANGUAGES if lang != default_language))
    policy = form.get("channel_policy") or "preferred"
    if policy not in POLICIES:
        errors.add("channel_policy", f"{policy!r} is not a channel policy")
    values["channel_policy"] = policy
    values["holdout_percent"] = int_field(errors, "holdout_percent", form.get("holdout_percent") or "0", low=0, high=90) or 0
    values["results_window_days"] = int_field(errors, "results_window_days", form.get("results_window_days") or "7", low=1, high=90) or 7
    values["rate_per_minute"] = int_field(errors, "rate_per_minute", form.get("rate_per_minute"), low=1, high=1_000_000)
    quiet_start, quiet_end = hhmm_field(errors, "quiet_start", form.get("quiet_start")), hhmm_field(errors, "quiet_end", form.get("quiet_end"))
    if bool(quiet_start) != bool(quiet_end) and "quiet_start" not in errors and "quiet_end" not in errors:
        errors.add("quiet_end" if quiet_start else "quiet_start", "give both the start and the end of the quiet hours")
    values["quiet_start"], values["quiet_end"] = (quiet_start, quiet_end) if quiet_start and quiet_end else (None, None)
    _schedule(form, values, errors, zone, now)
    return values, errors


def _translations_and_coupon(session: Session, form: Any, values: dict[str, Any], errors: FormErrors, default_language: str) -> None:
    """The optional text per other language, and the optional coupon template issued to each recipient.
    `{coupon}` in a text needs a coupon to fill it."""
    values["translations"] = {}
    for language in LANGUAGES:
        field = translation_field(language)
        text = (form.get(field) or "").strip()
        if language == default_language or not text:
            continue
        problem = text_problem(text)
        if problem:
            errors.add(field, problem)
        values["translations"][language] = text
    code = (form.get("coupon_template") or "").strip()
    template = session.scalar(select(CouponTemplate).where(CouponTemplate.code == code)) if code else None
    if code and (template is None or not template.active):
        errors.add("coupon_template", f"{code!r} is not an active coupon template")
    values["coupon_template_id"] = template.id if template is not None and template.active else None
    if not code:
        texts = {"text": values["text"], **{translation_field(lang): text for lang, text in values["translations"].items()}}
        for field, text in texts.items():
            if field not in errors and "coupon" in fields_used(text):
                errors.add(field, "{coupon} needs a coupon template to fill it; choose one or remove the field")


def _schedule(form: Any, values: dict[str, Any], errors: FormErrors, zone: ZoneInfo, now: datetime) -> None:
    schedule = form.get("schedule") or "now"
    if schedule not in SCHEDULES:
        errors.add("schedule", f"{schedule!r} is not a schedule")
        return
    if schedule == "now":
        values.update(status="scheduled", send_at=now)
    elif schedule == "at":
        raw = (form.get("send_at") or "").strip()
        try:
            local = datetime.fromisoformat(raw).replace(tzinfo=zone)
        except ValueError:
            errors.add("send_at", f"{raw!r} is not a date and time" if raw else "required for a scheduled broadcast")
            return
        if local < now - timedelta(minutes=1):
            errors.add("send_at", "is in the past")
            return
        values.update(status="scheduled", send_at=local)
    else:
        kind = form.get("recur_kind") or "daily"
        if kind not in RECURRENCES:
            errors.add("recur_kind", f"{kind!r} is not daily or weekly")
            return
        weekday = int_field(errors, "recur_weekday", form.get("recur_weekday"), low=0, high=6, required=kind == "weekly")
        at = hhmm_field(errors, "recur_time", form.get("recur_time"))
        if not at:
            errors.add("recur_time", "required for a recurring broadcast")
            return
        if "recur_weekday" in errors:
            return
        values.update(status="recurring", recur_kind=kind, recur_weekday=weekday if kind == "weekly" else None, recur_time=at,
                      send_at=next_occurrence(now, kind, weekday, at, zone))
