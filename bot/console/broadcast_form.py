"""The new-broadcast form: every field checked, each refusal naming the field and the reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.forms import FormErrors, hhmm_field, int_field
from bot.marketing.planning import POLICIES
from bot.marketing.schedule import next_occurrence
from bot.marketing.texts import text_problem
from models import Segment

SCHEDULES = ("now", "at", "recurring")
RECURRENCES = ("daily", "weekly")


def parse_broadcast(session: Session, form: Any, zone: ZoneInfo, now: datetime) -> tuple[dict[str, Any], FormErrors]:
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
