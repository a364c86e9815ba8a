"""Coupon expiry reminders: one message per customer listing their coupons that expire within
`[coupons] reminder_days_before` days, sent once per coupon.

Why marketing: a nudge to use an offer is promotion, so it goes only where the customer has
granted marketing consent on a reachable channel. Coupons whose owner cannot be reached are still
marked, so the job does not look at them again every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm import hooks, outreach
from bot.events import Button, Outbound
from bot.i18n.commerce import gives, local_date, say
from models import Coupon, Customer, utcnow

CUSTOMERS_PER_BATCH = 200


def _due(now: datetime, horizon: datetime) -> tuple:
    return (Coupon.reminder_sent_at.is_(None), Coupon.voided_at.is_(None), Coupon.uses < Coupon.max_uses,
            Coupon.expires_at > now, Coupon.expires_at <= horizon)


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Send the reminders due at `now`; returns how many customers were reminded."""
    now = now or utcnow()
    horizon = now + timedelta(days=settings.coupons.reminder_days_before)
    reminded = 0
    while True:
        with sessions.begin() as session:
            customer_ids = session.scalars(select(Coupon.customer_id).where(*_due(now, horizon))
                                           .group_by(Coupon.customer_id).order_by(Coupon.customer_id)
                                           .limit(CUSTOMERS_PER_BATCH)).all()
            handled = 0
            for customer_id in customer_ids:
                coupons = session.scalars(select(Coupon).where(Coupon.customer_id == customer_id, *_due(now, horizon))
                                          .order_by(Coupon.expires_at).with_for_update(of=Coupon, skip_locked=True)).all()
                if not coupons:  # another run holds them
                    continue
                handled += len(coupons)
                reminded += _remind(session, settings, customer_id, coupons)
                for coupon in coupons:
                    coupon.reminder_sent_at = now
                    hooks.signal(session, customer_id, "coupon_expiring",
                                 {"coupon": coupon.code, "expires_at": coupon.expires_at.isoformat()}, now)
        if not handled:
            return reminded


def _remind(session: Session, settings: Settings, customer_id: int, coupons: Sequence[Coupon]) -> int:
    customer = session.get(Customer, customer_id)
    assert customer is not None  # the coupons just read are this customer's
    language, default = customer.language, settings.app.default_language
    lines = [say("coupon_expiry_reminder", language)]
    for coupon in coupons:
        name = coupon.template.name
        lines.append(say("coupon_expiry_line", language, code=coupon.code,
                         name=name.get(language) or name.get(default) or coupon.template.code,
                         gives=gives(coupon.kind, coupon.value, coupon.template.item, language, default),
                         expiry=local_date(coupon.expires_at, settings.app.timezone)))
    button = Button(label=say("menu_coupons", language), data="coupons:list", text=say("menu_coupons", language))
    message = Outbound("\n".join(lines), quick_replies=(button,))
    return int(outreach.send_to_customer(session, customer_id, [message], purpose="marketing", marketing=True))
