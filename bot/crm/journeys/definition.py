"""A journey's definition: its trigger, its steps (a list with branches), and their validation.

Why validated here, once, for every way in (the console's builder, a TOML import, a built-in
template): a typo found at send time would stop customers half-way through a journey. Each error
names the step and the field ("step 'offer' (message): text.en: unknown field {nmae}"), so a
marketer or a reviewer of the TOML file knows where to look.

The steps are plain JSON: `{"id": "welcome", "kind": "message", ...}`; a `condition` holds `yes`
and `no` lists, a `split` holds `variants` (each with `name`, `percent`, `steps`). After a branch
ends the customer continues with the step after the condition or split. `flatten` turns the tree
into "step id -> (step, id of the step that follows)" for the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.crm.text import fields_text_problem

LANGUAGES = ("zh-TW", "en", "zh-CN")
STEP_KINDS = ("message", "wait", "condition", "tag", "points", "task", "split", "survey", "rich_menu")
FIELDS = ("name", "tier", "points", "coupon", "coupon_expires", "shop", "recommendations", "bought_together")
PRODUCT_FIELDS = ("recommendations", "bought_together")  # shown as a card carousel too
# signals the domain fires (bot.crm.hooks.fire_signal) and a journey may start from or wait for
SIGNAL_TRIGGERS = ("follow", "lead_captured", "tag_added", "tier_up", "tier_down", "coupon_expiring",
                   "appointment_completed", "appointment_missed", "ticket_resolved", "csat_answer", "event")
ORDER_TRIGGERS = ("first_purchase", "purchase")
SCHEDULED_TRIGGERS = ("birthday_month", "no_purchase", "segment", "tier_down_expected")
TRIGGERS = SIGNAL_TRIGGERS + ORDER_TRIGGERS + SCHEDULED_TRIGGERS
GOALS = ("first_purchase", "purchase", "lead_captured")
REENTRY = ("once", "every", "days")
JOURNEY_STATUSES = ("draft", "active", "paused", "archived")
CONDITIONS = ("tag", "purchased_since_entry", "segment", "event", "clicked")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_EVENT = re.compile(r"^[A-Za-z0-9_:-]{1,60}$")  # a signal's name: "purchase", "answer:yes", a custom event
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TEXT = 5000


class JourneyError(ValueError):
    """A journey that cannot be saved; `problems` lists every one found, each naming where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Placed:
    step: Mapping[str, Any]
    next_id: str | None  # None: the journey ends after this step


def walk(steps: list[Any]) -> Iterator[Mapping[str, Any]]:
    """Every step of the tree, depth first, in the order a reader sees them."""
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        yield step
        for branch in branches(step):
            yield from walk(branch)


def branches(step: Mapping[str, Any]) -> list[list[Any]]:
    if step.get("kind") == "condition":
        return [list(step.get("yes") or []), list(step.get("no") or [])]
    if step.get("kind") == "split":
        return [list(v.get("steps") or []) for v in step.get("variants") or [] if isinstance(v, Mapping)]
    return []


def flatten(steps: list[Any], after: str | None = None) -> dict[str, Placed]:
    """Step id -> the step and the id of the step that follows it (a branch's last step is followed
    by whatever follows its condition or split)."""
    placed: dict[str, Placed] = {}
    for index, step in enumerate(steps):
        following = steps[index + 1]["id"] if index + 1 < len(steps) else after
        placed[step["id"]] = Placed(step, following)
        for branch in branches(step):
            placed.update(flatten(branch, following))
    return placed


def first_step(steps: list[Any]) -> str | None:
    return steps[0]["id"] if steps else None


def branch_start(step: Mapping[str, Any], branch: str, following: str | None) -> str | None:
    """The first step of a condition's `yes`/`no` or a split variant's steps (or what follows, if empty)."""
    if step["kind"] == "condition":
        chosen = list(step.get(branch) or [])
    else:
        chosen = next((list(v.get("steps") or []) for v in step["variants"] if v["name"] == branch), [])
    return chosen[0]["id"] if chosen else following


# --- validation ---------------------------------------------------------------------------------

def validate_journey(data: Mapping[str, Any]) -> list[str]:
    """Every problem in a journey's settings and steps (empty when it can be saved)."""
    problems: list[str] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems.append("name: required, at most 100 characters")
    problems += _trigger_problems(data.get("trigger"))
    if data.get("reentry", "once") not in REENTRY:
        problems.append(f"reentry: must be one of {', '.join(REENTRY)}")
    if data.get("reentry") == "days" and not _positive_int(data.get("reentry_days")):
        problems.append("reentry_days: a whole number of days, at least 1")
    holdout = data.get("holdout_percent", 0)
    if not isinstance(holdout, int) or isinstance(holdout, bool) or not 0 <= holdout <= 90:
        problems.append("holdout_percent: a whole number from 0 to 90")
    goal = data.get("goal")
    if goal is not None and goal not in GOALS:
        problems.append(f"goal: must be one of {', '.join(GOALS)} (or none)")
    if not _positive_int(data.get("goal_days", 30)):
        problems.append("goal_days: a whole number of days, at least 1")
    if not isinstance(data.get("entry_criteria", {}), Mapping):
        problems.append("entry_criteria: a table of segment criteria")
    problems += validate_steps(data.get("steps"))
    return problems


def _trigger_problems(trigger: Any) -> list[str]:
    if not isinstance(trigger, Mapping) or trigger.get("kind") not in TRIGGERS:
        return [f"trigger.kind: must be one of {', '.join(TRIGGERS)}"]
    kind = trigger["kind"]
    if kind == "event" and not _is_name(trigger.get("name")):
        return ["trigger.name: the custom event's name (letters, digits, _ or -)"]
    if kind == "tag_added" and not isinstance(trigger.get("tag", ""), str):
        return ["trigger.tag: a tag name (or leave it out for any tag)"]
    if kind == "no_purchase":
        days, factor = trigger.get("days"), trigger.get("gap_factor")
        if days is None and factor is None:
            return ["trigger: no_purchase needs days (N days) or gap_factor (N x the customer's usual gap)"]
        if days is not None and not _positive_int(days):
            return ["trigger.days: a whole number of days, at least 1"]
        if factor is not None and not (isinstance(factor, int | float) and factor > 0):
            return ["trigger.gap_factor: a positive number"]
        risk = trigger.get("churn_risk")
        if risk is not None and not (isinstance(risk, int | float) and not isinstance(risk, bool) and 0 <= risk <= 1):
            return ["trigger.churn_risk: a probability from 0 to 1 (e.g. 0.6)"]
    if kind == "tier_down_expected" and not _positive_int(trigger.get("days", 30)):
        return ["trigger.days: how many days ahead to warn, a whole number, at least 1"]
    if kind == "segment" and not (isinstance(trigger.get("criteria"), Mapping) or _positive_int(trigger.get("segment_id"))):
        return ["trigger: a segment trigger needs segment_id (a saved segment) or criteria"]
    return []


def validate_steps(steps: Any) -> list[str]:
    if not isinstance(steps, list) or not steps:
        return ["steps: at least one step"]
    problems: list[str] = []
    seen: set[str] = set()
    _check_list(steps, problems, seen, "steps")
    return problems


def _check_list(steps: list[Any], problems: list[str], seen: set[str], where: str) -> None:
    for position, step in enumerate(steps, 1):
        if not isinstance(step, Mapping):
            problems.append(f"{where}[{position}]: a step must be a table")
            continue
        step_id = step.get("id")
        label = f"step {step_id!r}" if isinstance(step_id, str) else f"{where}[{position}]"
        if not isinstance(step_id, str) or not _ID.match(step_id):
            problems.append(f"{label}: id: letters, digits, _ or - (at most 60)")
        elif step_id in seen:
            problems.append(f"{label}: id: used by another step")
        else:
            seen.add(step_id)
        kind = step.get("kind")
        if kind not in STEP_KINDS:
            problems.append(f"{label}: kind: must be one of {', '.join(STEP_KINDS)}")
            continue
        problems += [f"{label} ({kind}): {p}" for p in _KIND_CHECKS[kind](step)]
        if kind == "condition":
            for branch in ("yes", "no"):
                if not isinstance(step.get(branch, []), list):
                    problems.append(f"{label} (condition): {branch}: a list of steps")
                else:
                    _check_list(list(step.get(branch) or []), problems, seen, f"{label}.{branch}")
        if kind == "split":
            for variant in step.get("variants") or []:
                if isinstance(variant, Mapping) and isinstance(variant.get("steps", []), list):
                    _check_list(list(variant.get("steps") or []), problems, seen, f"{label}.{variant.get('name')}")


def _message(step: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    text = step.get("text")
    if not isinstance(text, Mapping) or not text:
        return ["text: at least one language (zh-TW, en, zh-CN)"]
    for language, body in text.items():
        if language not in LANGUAGES:
            problems.append(f"text.{language}: unknown language; use {', '.join(LANGUAGES)}")
            continue
        problem = text_problem(body)
        if problem:
            problems.append(f"text.{language}: {problem}")
    for index, button in enumerate(step.get("buttons") or [], 1):
        if not isinstance(button, Mapping) or not isinstance(button.get("label"), Mapping) or not button["label"]:
            problems.append(f"buttons[{index}].label: a label per language")
        elif not _is_name(button.get("answer")):
            problems.append(f"buttons[{index}].answer: a short answer name (letters, digits, _ or -)")
    coupon = step.get("coupon")
    if coupon is not None and (not isinstance(coupon, str) or not coupon):
        problems.append("coupon: a coupon template code")
    if not _is_name(step.get("channel", "preferred")):  # "preferred", or a channel's name as the registry has it
        problems.append("channel: preferred, or the name of a channel")
    if not isinstance(step.get("transactional", False), bool):
        problems.append("transactional: true or false")
    return problems


def _wait(step: Mapping[str, Any]) -> list[str]:
    durations = [key for key in ("days", "hours", "minutes") if key in step]
    chosen = len(durations) > 0, "until" in step, "event" in step
    if sum(chosen) != 1:
        return ["wait: give a duration (days/hours/minutes), until (HH:MM) or event (with timeout_hours)"]
    for key in durations:
        if not _positive_int(step[key]):
            return [f"{key}: a whole number, at least 1"]
    if "until" in step and not (isinstance(step["until"], str) and _HHMM.match(step["until"])):
        return ["until: a time of day HH:MM"]
    if step.get("from", "entry") not in ("entry", "order"):
        return ["from: entry (when the customer entered) or order (when the purchase that started it was placed)"]
    if "event" in step:
        if not (isinstance(step["event"], str) and _EVENT.match(step["event"])):
            return ["event: the event's name (letters, digits, _, - or :, e.g. answer:yes)"]
        if not _positive_int(step.get("timeout_hours")):
            return ["timeout_hours: a whole number of hours, at least 1"]
    return []


def _condition(step: Mapping[str, Any]) -> list[str]:
    test = step.get("if")
    if not isinstance(test, Mapping) or len(test) != 1 or next(iter(test)) not in CONDITIONS:
        return [f"if: exactly one of {', '.join(CONDITIONS)}"]
    key, value = next(iter(test.items()))
    if key in ("tag", "event") and not (isinstance(value, str) and value):
        return [f"if.{key}: a name"]
    if key == "segment" and not isinstance(value, Mapping):
        return ["if.segment: segment criteria"]
    if key == "clicked" and value is not True and not _is_name(value):
        return ["if.clicked: true (a link in any message of the journey) or the id of a message step"]
    return []


def _tag(step: Mapping[str, Any]) -> list[str]:
    if sum(key in step for key in ("add", "remove")) != 1:
        return ["give add or remove (one tag name)"]
    name = step.get("add", step.get("remove"))
    return [] if isinstance(name, str) and name.strip() else ["add/remove: a tag name"]


def _points(step: Mapping[str, Any]) -> list[str]:
    return [] if _positive_int(step.get("points")) else ["points: a whole number, at least 1"]


def _task(step: Mapping[str, Any]) -> list[str]:
    title = step.get("title")
    return [] if isinstance(title, str) and 0 < len(title.strip()) <= 200 else ["title: required, at most 200 characters"]


def _split(step: Mapping[str, Any]) -> list[str]:
    variants = step.get("variants")
    if not isinstance(variants, list) or len(variants) < 2:
        return ["variants: at least two"]
    problems: list[str] = []
    names = set()
    for index, variant in enumerate(variants, 1):
        if not isinstance(variant, Mapping) or not _is_name(variant.get("name")):
            problems.append(f"variants[{index}].name: letters, digits, _ or -")
            continue
        names.add(variant["name"])
        if not _positive_int(variant.get("percent")):
            problems.append(f"variants[{index}].percent: a whole number, at least 1")
    if len(names) != len(variants):
        problems.append("variants: each needs its own name")
    if not problems and sum(int(v["percent"]) for v in variants) != 100:
        problems.append("variants: the percents must add up to 100")
    return problems


def _survey(step: Mapping[str, Any]) -> list[str]:
    """The satisfaction question about the purchase that started the journey (no fields)."""
    return []


def _rich_menu(step: Mapping[str, Any]) -> list[str]:
    menu = step.get("menu")
    return [] if isinstance(menu, str) and 0 < len(menu.strip()) <= 100 else ["menu: the rich menu's name, as in the console"]


_KIND_CHECKS = {"rich_menu": _rich_menu, "message": _message, "wait": _wait, "condition": _condition, "tag": _tag, "points": _points,
                "task": _task, "split": _split, "survey": _survey}


def text_problem(text: Any) -> str | None:
    """Why a message text cannot be used, or None (the rule broadcasts use, with the journeys' fields)."""
    return fields_text_problem(text, FIELDS, MAX_TEXT)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))
