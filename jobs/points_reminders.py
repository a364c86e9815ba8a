"""Points about to expire: each customer is reminded once, `[loyalty] expiry_reminder_days` before
their earliest points in the window expire, with how many will go and a button to spend them.

Once: the notice key names the customer and the day those points expire, so a daily run (or two
schedulers overlapping) sends it one time; points expiring on a later day earn a later reminder.
Marketing, like the coupon expiry reminder: a nudge to spend goes only where the customer allows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm import loyalty, outreach
from bot.events import Button, Outbound
from bot.i18n.commerce import local_date
from bot.i18n.texts import text
from jobs.runs import claim_notice
from models import Customer, utcnow


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Send the reminders due at `now`; returns how many customers were reminded."""
    days = settings.loyalty.expiry_reminder_days
    if not days or not settings.loyalty.points_valid_days:
        return 0
    now = now or utcnow()
    reminded, after = 0, 0
    while True:
        with sessions.begin() as session:
            batch = loyalty.expiring_soon(session, now, now + timedelta(days=days), after_customer=after)
            for due in batch:
                key = f"points_expiry:{due.customer_id}:{due.first_expiry:%Y%m%d}"
                if claim_notice(session, key):
                    reminded += _remind(session, settings, due)
        if not batch:
            return reminded
        after = batch[-1].customer_id


def _remind(session: Session, settings: Settings, due: loyalty.Expiring) -> int:
    customer = session.get(Customer, due.customer_id)
    if customer is None:
        return 0
    language, default = customer.language, settings.app.default_language
    words = text("rewards.points_expiring", language, default, points=f"{due.points:,}",
                 date=local_date(due.first_expiry, settings.app.timezone))
    label = text("rewards.choose", language, default)
    message = Outbound(words, quick_replies=(Button(label, "redeem:list", text=label),))
    return int(outreach.send_to_customer(session, due.customer_id, [message], purpose="marketing", marketing=True))
