"""Points about to expire are reminded once, `[loyalty] expiry_reminder_days` before, counting
first-in first-out like the expiry itself (points already spent are not "about to expire")."""

from __future__ import annotations

from datetime import timedelta

from bot.crm import loyalty
from jobs import points_reminders
from models import utcnow
from tests.commerce import followed_customer, pushed_texts


def test_expiring_points_are_reminded_once_and_spent_ones_not_at_all(chat, db, runtime):
    now = utcnow()
    soon = followed_customer(chat, db)
    later = followed_customer(chat, db, user="U" + "3" * 32)
    spent = followed_customer(chat, db, user="U" + "4" * 32)
    with runtime.sessions.begin() as session:
        loyalty.award(session, soon, 120, kind="campaign", now=now - timedelta(days=345), valid_days=365)
        loyalty.award(session, later, 80, kind="campaign", now=now, valid_days=365)
        loyalty.award(session, spent, 50, kind="campaign", now=now - timedelta(days=345), valid_days=365)
        loyalty.deduct(session, spent, 50, note="till")
    assert points_reminders.run(runtime.sessions, runtime.settings, now) == 1
    [words] = pushed_texts(db, soon, "marketing")
    assert "120" in words and "兌換" in words
    assert pushed_texts(db, later, "marketing") == [] and pushed_texts(db, spent, "marketing") == []
    assert points_reminders.run(runtime.sessions, runtime.settings, now + timedelta(days=1)) == 0  # once
