"""The phrase lists the complaint detector (handlers/complaints.py) looks for: from the
`console_settings` row "complaints" once an admin has saved them in the console, else from
config.toml's `[complaints]`.

Why this order: config.toml gives the first value, so a fresh install recognises complaints with
no step in between. Once an admin saves the lists in the console, the row is the truth and config's
lists are no longer read (a web tier on several machines cannot rewrite a file on each). Deleting
the row ("reset to config.toml") hands the lists back to config.

The detector reads them through `cached_phrase_lists`: cached per process, re-read when the
reference data's version stamp changes, so an admin's edit still takes effect on the very next message.

Phrases are checked here rather than in the console so that whatever saves them (the console
today, perhaps an import tomorrow) obeys the same rules: one phrase per line (either comma also
separates), trimmed, each kept once regardless of case or full-width letters (the detector ignores
both), at most PHRASE_MAX_LENGTH characters and LIST_MAX_PHRASES phrases per list.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.config.care import ComplaintSettings
from bot.crm.reference_cache import cached
from bot.crm.text import normalise
from models import ConsoleSetting, utcnow
from models.db import conflict_insert

SETTING_KEY = "complaints"
LISTS = ("words", "human_words", "severe_words")
PHRASE_MAX_LENGTH = 40
LIST_MAX_PHRASES = 200
SEPARATORS = re.compile(r"[\r\n,，]+")

# The reasons a list is refused (English, with {placeholders}); the console translates them.
NEED_A_COMPLAINT_WORD = ("Add at least one complaint phrase: with none, complaints put in words are never recognised "
                         "and no ticket is opened for them.")
PHRASE_TOO_LONG = "“{phrase}” has {length} characters; a phrase may have at most {limit}."
PHRASE_HAS_NO_WORDS = "“{phrase}” is only punctuation, so it would never match a message."
TOO_MANY_PHRASES = "This list has {count} phrases; a list may have at most {limit}."
THRESHOLD_MISSING = "Enter the tone threshold: a whole number of at least 1, like 2."
THRESHOLD_NOT_A_NUMBER = "“{value}” is not a whole number; enter a number of at least 1, like 2."
THRESHOLD_TOO_LOW = "The tone threshold must be at least 1 (0 would make every message a complaint)."
MESSAGES = (NEED_A_COMPLAINT_WORD, PHRASE_TOO_LONG, PHRASE_HAS_NO_WORDS, TOO_MANY_PHRASES, THRESHOLD_MISSING, THRESHOLD_NOT_A_NUMBER,
             THRESHOLD_TOO_LOW)


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a field was refused: `message` is one of MESSAGES, `fields` fill its placeholders."""

    message: str
    fields: Mapping[str, object] = dataclasses.field(default_factory=dict)


def phrase_lists(session: Session, settings: Settings) -> ComplaintSettings:
    """The lists in force: the saved row's if an admin saved them, else config.toml's."""
    row = saved_row(session)
    return from_value(row.value, settings.complaints) if row is not None else settings.complaints


def cached_phrase_lists(session: Session, settings: Settings) -> ComplaintSettings:
    """`phrase_lists`, from this process's cache until an admin saves or resets the lists
    (bot/crm/reference_cache.py): the detector asks on every text message."""
    return cached(session, "complaint_phrases", settings, lambda s: phrase_lists(s, settings))


def saved_row(session: Session) -> ConsoleSetting | None:
    """The saved row (who saved it and when), or None while config.toml's lists are in force."""
    return session.get(ConsoleSetting, SETTING_KEY)


def save_phrase_lists(session: Session, lists: ComplaintSettings, user_id: int | None) -> None:
    """Store the lists (already checked by `check_phrase_lists`) as the truth from now on."""
    value = {name: list(getattr(lists, name)) for name in LISTS} | {"tone_threshold": lists.tone_threshold}
    # One upsert, so two admins saving for the first time at once both succeed (the later one wins)
    # instead of one of them hitting the primary key. updated_at is set also when nothing changed:
    # the page says who saved last.
    statement = conflict_insert(session)(ConsoleSetting).values(key=SETTING_KEY, value=value, updated_by_id=user_id, updated_at=utcnow())
    session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={
        "value": statement.excluded.value, "updated_by_id": statement.excluded.updated_by_id, "updated_at": statement.excluded.updated_at}))


def reset_phrase_lists(session: Session) -> bool:
    """Drop the saved lists so config.toml's are in force again. True if there was a row."""
    row = saved_row(session)
    if row is None:
        return False
    session.delete(row)
    return True


def from_value(value: Mapping[str, Any], fallback: ComplaintSettings) -> ComplaintSettings:
    """A stored value as settings; a key missing from it (a row written by an older version) keeps config's."""
    lists = {name: tuple(str(p) for p in value[name]) for name in LISTS if isinstance(value.get(name), list)}
    threshold = value.get("tone_threshold")
    if not (isinstance(threshold, int) and not isinstance(threshold, bool) and threshold >= 1):
        threshold = fallback.tone_threshold
    return dataclasses.replace(fallback, tone_threshold=threshold, **lists)


def parse_phrases(text: str) -> list[str]:
    """One phrase per line (either comma also separates), trimmed, inner spaces collapsed, and each
    kept once: two spellings the detector cannot tell apart (case, full-width) keep the first."""
    seen: dict[str, str] = {}
    for part in SEPARATORS.split(text or ""):
        phrase = " ".join(part.split())
        if phrase:
            seen.setdefault(normalise(phrase) or phrase, phrase)
    return list(seen.values())


def check_phrase_lists(form: Mapping[str, str]) -> tuple[ComplaintSettings | None, dict[str, Problem]]:
    """A form's text (one field per list, and tone_threshold) -> the lists, or the problem per field."""
    problems: dict[str, Problem] = {}
    lists = {name: parse_phrases(form.get(name, "")) for name in LISTS}
    for name, phrases in lists.items():
        problem = list_problem(phrases)
        if problem:
            problems[name] = problem
    if "words" not in problems and not lists["words"]:
        problems["words"] = Problem(NEED_A_COMPLAINT_WORD)
    threshold, problem = parse_threshold(form.get("tone_threshold", ""))
    if problem:
        problems["tone_threshold"] = problem
    if problems or threshold is None:
        return None, problems
    return ComplaintSettings(tone_threshold=threshold, **{name: tuple(phrases) for name, phrases in lists.items()}), {}


def list_problem(phrases: Iterable[str]) -> Problem | None:
    phrases = list(phrases)
    for phrase in phrases:
        if len(phrase) > PHRASE_MAX_LENGTH:
            return Problem(PHRASE_TOO_LONG, {"phrase": phrase, "length": len(phrase), "limit": PHRASE_MAX_LENGTH})
        if not normalise(phrase):
            return Problem(PHRASE_HAS_NO_WORDS, {"phrase": phrase})
    if len(phrases) > LIST_MAX_PHRASES:
        return Problem(TOO_MANY_PHRASES, {"count": len(phrases), "limit": LIST_MAX_PHRASES})
    return None


def parse_threshold(text: str) -> tuple[int | None, Problem | None]:
    """The same rule as config.toml's complaints.tone_threshold: a whole number of at least 1."""
    text = (text or "").strip()
    if not text:
        return None, Problem(THRESHOLD_MISSING)
    try:
        number = int(text)
    except ValueError:
        return None, Problem(THRESHOLD_NOT_A_NUMBER, {"value": text[:20]})
    if number < 1:
        return None, Problem(THRESHOLD_TOO_LOW)
    return number, None
