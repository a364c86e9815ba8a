"""Planning a broadcast: resolve the segment, keep only customers with marketing consent on a
reachable channel, draw the control group, write the outbox rows. One transaction, so a crash
leaves either a fully planned broadcast or none.

Why the control group is drawn here and stored: results compare the customers who were sent the
message with comparable customers who were not (seed 003's experiment and control groups); the
draw must happen among the customers who *could* have been sent it, and must never change later.
"""

from __future__ import annotations

import os
import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, select, update
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session, aliased

from bot import pipeline
from bot.config import Settings
from bot.crm import pacing
from bot.crm.value.promotions import abandoned_among
from bot.marketing import broadcast_coupons
from bot.marketing.broadcast_coupons import IssuedCoupon
from bot.marketing.bulk import bulk_insert
from bot.marketing.messages import broadcast_message, card_language, is_personal, personal_texts, text_for
from bot.marketing.schedule import send_slots
from bot.marketing.segments import segment_query
from channels import registry
from models import Broadcast, BroadcastRecipient, ChannelIdentity, Consent, CouponTemplate, Customer, OutboxMessage, Segment

POLICIES = ("preferred", *registry.names())


class PlanningError(Exception):
    """The broadcast cannot be planned as it stands (the message says why)."""


@dataclass
class PlanSummary:
    treated: int = 0
    control: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    outbox_rows: int = 0


@dataclass(frozen=True)
class Target:
    customer_id: int
    channel: str
    address: str
    name: str | None = None
    tier: int | None = None
    language: str = "zh-TW"


def choose_targets(session: Session, member_ids: Any, policy: str) -> tuple[list[Target], dict[int, str]]:
    """Each member's channel and address under the policy, or why they are skipped
    (`no_consent`: reachable there but no marketing consent; `unreachable`: no reachable account).
    Under `preferred`, the consented channel the customer used most recently wins."""
    consent = aliased(Consent)
    query = (select(Customer.id, Customer.display_name, Customer.tier, Customer.language, ChannelIdentity.channel,
                    ChannelIdentity.platform_user_id, ChannelIdentity.last_seen_at, consent.id.is_not(None))
             .outerjoin(ChannelIdentity, and_(ChannelIdentity.customer_id == Customer.id, ChannelIdentity.reachable,
                                              *([ChannelIdentity.channel == policy] if policy != "preferred" else [])))
             .outerjoin(consent, and_(consent.customer_id == Customer.id, consent.channel == ChannelIdentity.channel,
                                      consent.purpose == "marketing", consent.granted))
             .where(Customer.id.in_(member_ids)))
    best: dict[int, tuple[Any, ...]] = {}
    reachable: set[int] = set()
    seen: set[int] = set()
    for customer_id, name, tier, language, channel, address, last_seen, consented in session.execute(query):
        seen.add(customer_id)
        if channel is None:
            continue
        reachable.add(customer_id)
        if consented and (customer_id not in best or last_seen > best[customer_id][5]):
            best[customer_id] = (name, tier, language, channel, address, last_seen)
    targets = [Target(c, v[3], v[4], v[0], v[1], v[2]) for c, v in sorted(best.items())]
    skipped = {c: ("no_consent" if c in reachable else "unreachable") for c in sorted(seen - set(best))}
    return targets, skipped


def draw_control(targets: list[Target], percent: int, seed: int) -> tuple[list[Target], list[Target]]:
    """Split into (treated, control) at random; the same seed gives the same split."""
    size = round(len(targets) * percent / 100)
    control_ids = {t.customer_id for t in random.Random(seed).sample(targets, size)} if size else set()
    return ([t for t in targets if t.customer_id not in control_ids], [t for t in targets if t.customer_id in control_ids])


def plan_broadcast(session: Session, broadcast: Broadcast, settings: Settings, now: datetime) -> PlanSummary:
    """Write the recipients and outbox rows of a broadcast whose status the caller has claimed."""
    if broadcast.segment_id is not None:
        segment = session.get(Segment, broadcast.segment_id)
        if segment is not None:
            broadcast.criteria = dict(segment.criteria)  # the segment as it is now, kept with the broadcast
    if broadcast.random_seed is None:
        broadcast.random_seed = secrets.randbits(31)
    template = _coupon_template(session, broadcast)
    members = segment_query(session, broadcast.criteria, now).subquery()
    targets, skipped = choose_targets(session, select(members.c.id), broadcast.channel_policy)
    if template is not None:
        full = broadcast_coupons.customers_at_limit(session, template, select(members.c.id))
        skipped.update({t.customer_id: "coupon_limit" for t in targets if t.customer_id in full})
        targets = [t for t in targets if t.customer_id not in full]
    abandoned = abandoned_among(session, select(members.c.id))  # clusters the shop stopped promoting to
    if abandoned:
        skipped.update({t.customer_id: "abandon" for t in targets if t.customer_id in abandoned})
        targets = [t for t in targets if t.customer_id not in abandoned]
    # the frequency cap counts broadcasts and journeys together (bot.crm.pacing): a customer who had
    # their share of marketing today or this week is left out, counted as `capped`
    capped = pacing.capped(session, settings, [t.customer_id for t in targets], now)
    skipped.update(dict.fromkeys(sorted(capped), "capped"))
    targets = [t for t in targets if t.customer_id not in capped]
    treated, control = draw_control(targets, broadcast.holdout_percent, broadcast.random_seed)
    issued = broadcast_coupons.issue_in_bulk(session, broadcast.id, template, [t.customer_id for t in treated], now) if template else {}
    outbox_by_customer = _write_outbox(session, broadcast, treated, settings, now, issued, template)
    recipients = [{"broadcast_id": broadcast.id, "customer_id": t.customer_id, "group": "treated", "skip_reason": None,
                   "channel": t.channel, "address": t.address, "outbox_id": outbox_by_customer[t.customer_id],
                   "coupon_id": issued[t.customer_id].id if t.customer_id in issued else None, "withheld": None} for t in treated]
    recipients += [{"broadcast_id": broadcast.id, "customer_id": t.customer_id, "group": "control", "skip_reason": None,
                    "channel": t.channel, "address": t.address, "outbox_id": None, "coupon_id": None, "withheld": None} for t in control]
    recipients += [{"broadcast_id": broadcast.id, "customer_id": customer_id, "group": "skipped", "skip_reason": reason,
                    "channel": None, "address": None, "outbox_id": None, "coupon_id": None, "withheld": None}
                   for customer_id, reason in sorted(skipped.items())]
    bulk_insert(session, BroadcastRecipient, recipients)
    pacing.record_sends(session, [t.customer_id for t in treated], f"broadcast:{broadcast.id}", now)
    broadcast.status = "sending" if treated else "done"
    broadcast.planned_at = now
    broadcast.finished_at = None if treated else now
    summary = PlanSummary(len(treated), len(control), {}, len(set(outbox_by_customer.values())))
    for reason in skipped.values():
        summary.skipped[reason] = summary.skipped.get(reason, 0) + 1
    return summary


def _coupon_template(session: Session, broadcast: Broadcast) -> CouponTemplate | None:
    if broadcast.coupon_template_id is None:
        return None
    template = session.get(CouponTemplate, broadcast.coupon_template_id)
    if template is None or not template.active:
        code = template.code if template else f"#{broadcast.coupon_template_id}"
        raise PlanningError(f"the coupon template {code} is retired; choose another one or none")
    return template


def _write_outbox(session: Session, broadcast: Broadcast, treated: list[Target], settings: Settings, now: datetime,
                  issued: dict[int, IssuedCoupon], template: CouponTemplate | None) -> dict[int, int]:
    """Outbox rows for the treated group; returns customer id -> outbox row id.

    A text the same for everyone who reads a language goes to LINE users by multicast (500 per
    request, one set of rows per language); a text with per-customer fields or a coupon is one push
    row per customer, written in bulk.
    """
    personal = is_personal(broadcast)
    texts = (personal_texts(session, broadcast, settings, treated, issued, template) if personal
             else {t.customer_id: text_for(broadcast, t.language) for t in treated})
    by_channel_text: dict[tuple[str, str, str], list[Target]] = defaultdict(list)
    for target in treated:  # one multicast per channel, text and card language
        by_channel_text[(target.channel, "" if personal else texts[target.customer_id],
                         card_language(broadcast, target.language))].append(target)
    plan: list[tuple[str, list[Target]]] = []  # (channel, recipients of one row), in sending order
    for (channel, _, _), targets in sorted(by_channel_text.items()):
        size = registry.limits(channel).multicast_recipients if not personal else 1
        plan += [(channel, targets[i:i + size]) for i in range(0, len(targets), size)]
    slots = send_slots(now, [len(group) for _, group in plan], broadcast.rate_per_minute, quiet_rule(broadcast, settings))
    result: dict[int, int] = {}
    singles: list[dict[str, Any]] = []
    shapes: dict[str, dict[str, Any]] = {}  # built once per card language: asdict per row is slow at 100,000 rows
    keys = iter(retry_keys(len(treated)))
    for (channel, group), slot in zip(plan, slots, strict=True):
        if len(group) > 1 or (registry.limits(channel).multicast_recipients > 1 and not personal):
            message = broadcast_message(broadcast, texts[group[0].customer_id], card_language(broadcast, group[0].language))
            [row] = pipeline.enqueue_multicast(session, channel, [t.address for t in group], [message],
                                               purpose="marketing", not_before=slot)
            row.broadcast_id = broadcast.id
            result.update({t.customer_id: row.id for t in group})
            continue
        target = group[0]
        language = card_language(broadcast, target.language)
        message_shape = shapes.get(language) or shapes.setdefault(language, broadcast_message(broadcast, "", language).to_json())
        singles.append({"channel": channel, "address": target.address, "recipients": None,
                        "messages": [_with_text(message_shape, texts[target.customer_id])],
                        "purpose": "marketing", "customer_id": target.customer_id, "broadcast_id": broadcast.id,
                        "idempotency_key": next(keys), "status": "pending", "attempts": 0, "next_attempt_at": slot,
                        "reply_attempted": False, "created_at": now})
    session.flush()
    if singles:
        bulk_insert(session, OutboxMessage, singles)
        # The WHERE leaves no NULL customer id.
        result.update(cast("Result[int, int]", session.execute(select(OutboxMessage.customer_id, OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.customer_id.is_not(None)))).all())
    return result


def _with_text(shape: dict[str, Any], text: str) -> dict[str, Any]:
    """The message's JSON with a recipient's text, in the card's body too when it carries the text."""
    message = {**shape, "text": text}
    if shape["card"] is not None and shape["card"]["text"] == "":
        message["card"] = {**shape["card"], "text": text}
    return message


def quiet_rule(broadcast: Broadcast, settings: Settings) -> Callable[[datetime], datetime]:
    """The shop's quiet hours (`bot.crm.pacing`, shared with journeys) and the broadcast's own,
    which can only narrow when it sends."""
    own = (broadcast.quiet_start, broadcast.quiet_end) if broadcast.quiet_start and broadcast.quiet_end else None
    return lambda moment: pacing.earliest_send(settings, moment, own)


def retry_keys(count: int) -> list[str]:
    """`count` random UUIDs (LINE wants its retry key as one), from one read of the random source
    instead of one each: at 100,000 rows the difference is a second."""
    raw = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=raw[i:i + 16], version=4)) for i in range(0, 16 * count, 16)]


def pause(session: Session, broadcast: Broadcast) -> int:
    """Hold the rows not yet sent (a row already with a platform still completes)."""
    if broadcast.status != "sending":
        raise PlanningError(f"only a sending broadcast can be paused (this one is {broadcast.status})")
    broadcast.status = "paused"
    return cast("CursorResult[Any]", session.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id,
                                                                                 OutboxMessage.status == "pending")
                                                     .values(status="paused"))).rowcount or 0


def resume(session: Session, broadcast: Broadcast, settings: Settings, now: datetime) -> int:
    """Release held rows, paced again from now so the rate cap and quiet hours still hold."""
    if broadcast.status != "paused":
        raise PlanningError(f"only a paused broadcast can be resumed (this one is {broadcast.status})")
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.recipients).where(
        OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "paused").order_by(OutboxMessage.id)).all()
    slots = send_slots(now, [len(r.recipients or [None]) for r in rows], broadcast.rate_per_minute, quiet_rule(broadcast, settings))
    for row, slot in zip(rows, slots, strict=True):
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.status == "paused")
                        .values(status="pending", next_attempt_at=slot))
    broadcast.status = "sending"
    return len(rows)


def cancel(session: Session, broadcast: Broadcast, now: datetime) -> int:
    """Stop for good: rows not yet sent become `cancelled` (and their coupons void); a recurring broadcast stops recurring."""
    if broadcast.status in ("done", "cancelled", "failed"):
        raise PlanningError(f"this broadcast is already {broadcast.status}")
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    cancelled = cast("CursorResult[Any]", session.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id,
                                                                                      OutboxMessage.status.in_(("pending", "paused")))
                                                          .values(status="cancelled"))).rowcount or 0
    broadcast_coupons.void_unsent(session, broadcast.id, now)
    return cancelled
