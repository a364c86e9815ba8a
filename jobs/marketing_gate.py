"""Marketing consent, checked again when each marketing message is due to go out.

Why again: a broadcast is planned once but its rows go out over hours (a rate cap, quiet hours, a
pause). A customer who says "stop", blocks the account or unsubscribes in between must not get the
next chunk (product.md: opt-outs "take effect before the next broadcast chunk"). Replies and
transactional messages are not checked here: they still go to an opted-out customer who writes to us.

A recipient left out is recorded on their broadcast recipient row (`withheld = "opted_out"`) and
the coupon the broadcast issued them is voided; a row left with nobody is finished as `withheld`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.marketing.broadcast_coupons import void_unused
from jobs.claimed import Claimed
from models import BroadcastRecipient, ChannelIdentity, Consent, OutboxMessage, utcnow

WITHHELD_NOTE = "not sent: marketing consent withdrawn or the account unreachable since planning"


def consented_addresses(session: Session, channel: str, addresses: Sequence[str]) -> set[str]:
    """The addresses on `channel` whose account is reachable and whose customer still gives marketing consent there."""
    consent = exists().where(and_(Consent.customer_id == ChannelIdentity.customer_id, Consent.channel == channel,
                                  Consent.purpose == "marketing", Consent.granted))
    return set(session.scalars(select(ChannelIdentity.platform_user_id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id.in_(list(addresses)), ChannelIdentity.reachable, consent)))


def admit(sessions: sessionmaker[Session], claimed: Claimed, owner: str) -> Claimed | None:
    """The claimed marketing row as it may still be sent (without the recipients who withdrew), or
    None when nobody on it may be sent it now (the row is then finished as `withheld`)."""
    delivery = claimed.delivery
    addresses = list(delivery.recipients) or [delivery.address]
    with sessions.begin() as session:
        allowed = consented_addresses(session, claimed.channel, addresses)
        refused = [a for a in addresses if a not in allowed]
        if not refused:
            return claimed
        now = utcnow()
        left_out = (BroadcastRecipient.outbox_id == claimed.id, BroadcastRecipient.address.in_(refused))
        session.execute(update(BroadcastRecipient).where(*left_out).values(withheld="opted_out"))
        void_unused(session, select(BroadcastRecipient.coupon_id).where(*left_out), now)
        if len(refused) == len(addresses):
            session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.id, OutboxMessage.lease_owner == owner)
                            .values(status="withheld", lease_owner=None, lease_expires_at=None, last_error=WITHHELD_NOTE))
            return None
    kept = tuple(a for a in addresses if a in allowed)
    return replace(claimed, delivery=replace(delivery, recipients=kept))
