"""Alerts to people: the staff chat (LINE or Telegram group) and staff email, via the outbox.

Why through the outbox like everything else: an alert written in the same transaction as the
ticket exists exactly when the ticket does, and is retried like any other message.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import pipeline
from bot.config import Settings
from bot.events import Outbound


def alert(session: Session, settings: Settings, subject: str, text: str, *, supervisor: bool = False) -> int:
    """Queue `text` to the staff (or supervisor) chat and their email addresses. Returns rows queued."""
    staff = settings.staff
    address = (staff.supervisor_address or staff.alert_address) if supervisor else staff.alert_address
    emails = (staff.supervisor_emails or staff.alert_emails) if supervisor else staff.alert_emails
    queued = 0
    if address:
        queued += len(pipeline.enqueue(session, staff.alert_channel, address, [Outbound(text)], purpose="staff_alert"))
    for email in emails:
        queued += len(pipeline.enqueue(session, "email", email, [Outbound(text, title=subject)], purpose="staff_alert"))
    return queued
