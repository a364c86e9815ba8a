"""Staff tasks the bot raises on its own (models/tasks.py; today the churn watch's "call this gold
customer"), as the console lists them: open ones first, each in the reader's language.

Why the words are made here and not read from `StaffTask.title`: the job stores an English title
for logs and exports; the console builds the sentence from the task's `detail`, so a zh-TW reader
gets zh-TW and a task of a kind it does not know still shows its stored title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.console.i18n import gettext as _
from models import Customer, StaffTask, utcnow

TASK_LIMIT = 200
STATUSES = ("open", "done")


@dataclass(frozen=True)
class TaskLine:
    id: int
    kind: str
    customer_id: int | None
    customer_name: str | None
    text: str
    status: str
    created_at: datetime
    done_at: datetime | None


def describe(task: StaffTask, customer_name: str | None) -> str:
    """The task in words; a churn-watch task says who, how long since the last purchase and the usual gap."""
    who = customer_name or _("customer #{id}", id=task.customer_id)
    detail = task.detail or {}
    if task.kind == "churn_watch" and "current_gap_days" in detail:
        text = _("{who} (a top-tier customer) has not bought for {days} days; usually every {usual} days. Get in touch.",
                 who=who, days=f"{float(detail['current_gap_days']):.0f}", usual=f"{float(detail.get('usual_gap_days') or 0):.0f}")
        if detail.get("message_sent", detail.get("caring_message_sent")):  # a journey's task / the old job's
            text += " " + _("The bot has sent a caring message.")
        return text
    return task.title


def list_tasks(session: Session, *, customer_id: int | None = None, status: str | None = None,
               limit: int = TASK_LIMIT) -> list[TaskLine]:
    """Open tasks before done ones, newest first within each."""
    query = (select(StaffTask, Customer.display_name).outerjoin(Customer, Customer.id == StaffTask.customer_id)
             .order_by(case((StaffTask.status == "open", 0), else_=1), StaffTask.created_at.desc(), StaffTask.id.desc())
             .limit(limit))
    if customer_id is not None:
        query = query.where(StaffTask.customer_id == customer_id)
    if status in STATUSES:
        query = query.where(StaffTask.status == status)
    return [TaskLine(t.id, t.kind, t.customer_id, name, describe(t, name), t.status, t.created_at, t.done_at)
            for t, name in session.execute(query)]


def mark_done(session: Session, task_id: int, now: datetime | None = None) -> bool:
    """Close an open task; False when there is no such task. Closing a closed task changes nothing."""
    task = session.get(StaffTask, task_id)
    if task is None:
        return False
    if task.status != "done":
        task.status, task.done_at = "done", now or utcnow()
    return True
