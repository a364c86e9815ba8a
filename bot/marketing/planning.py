"""Planning a broadcast: resolve the segment, keep only customers with marketing consent on a
reachable channel, draw the control group, write the outbox rows. One transaction, so a crash
leaves either a fully planned broadcast or none.

Why the control group is drawn here and stored: results compare the customers who were sent the
message with comparable customers who were not (seed 003's experiment and control groups); the
draw must happen among the customers who *could* have been sent it, and must never change later.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot import pipeline
from bot.config import Settings
from bot.console.seams import customer_points, tier_label
from bot.events import Outbound
from bot.marketing.schedule import send_slots
from bot.marketing.segments import segment_query
from bot.marketing.texts import fields_used, render
from models import Broadcast, BroadcastRecipient, ChannelIdentity, Consent, Customer, OutboxMessage, Segment

POLICIES = ("preferred", "line", "telegram", "email")


class PlanningError(Exception):
    """The broadcast cannot be planned as it stands (the message says why)."""


@dataclass
class PlanSummary:
    segment_size: int = 0
    treated: int = 0
    control: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    outbox_rows: int = 0


@dataclass(frozen=True)
class Target:
    customer_id: int
    channel: str
    address: str


def choose_targets(session: Session, member_ids: Any, policy: str) -> tuple[list[Target], dict[int, str]]:
    """Each member's channel and address under the policy, or why they are skipped
    (`no_consent`: reachable there but no marketing consent; `unreachable`: no reachable account)."""
    identities: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    query = select(ChannelIdentity.customer_id, ChannelIdentity.channel, ChannelIdentity.platform_user_id,
                   ChannelIdentity.last_seen_at).where(ChannelIdentity.customer_id.in_(member_ids), ChannelIdentity.reachable)
    if policy != "preferred":
        query = query.where(ChannelIdentity.channel == policy)
    for customer_id, channel, address, seen in session.execute(query):
        identities[customer_id].append((channel, address, seen))
    consented: set[tuple[int, str]] = set(session.execute(
        select(Consent.customer_id, Consent.channel).where(Consent.customer_id.in_(member_ids), Consent.purpose == "marketing",
                                                           Consent.granted)).all())
    targets, skipped = [], {}
    for customer_id in session.scalars(select(Customer.id).where(Customer.id.in_(member_ids)).order_by(Customer.id)):
        options = sorted(identities.get(customer_id, ()), key=lambda item: item[2], reverse=True)  # most recently seen first
        allowed = [item for item in options if (customer_id, item[0]) in consented]
        if allowed:
            targets.append(Target(customer_id, allowed[0][0], allowed[0][1]))
        else:
            skipped[customer_id] = "no_consent" if options else "unreachable"
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
    members = segment_query(session, broadcast.criteria, now).subquery()
    member_ids = select(members.c.id)
    targets, skipped = choose_targets(session, member_ids, broadcast.channel_policy)
    treated, control = draw_control(targets, broadcast.holdout_percent, broadcast.random_seed)
    outbox_by_customer = _write_outbox(session, broadcast, treated, settings, now)
    recipients = [{"broadcast_id": broadcast.id, "customer_id": t.customer_id, "group": "treated", "channel": t.channel,
                   "address": t.address, "outbox_id": outbox_by_customer[t.customer_id]} for t in treated]
    recipients += [{"broadcast_id": broadcast.id, "customer_id": t.customer_id, "group": "control", "channel": t.channel,
                    "address": t.address, "outbox_id": None} for t in control]
    recipients += [{"broadcast_id": broadcast.id, "customer_id": customer_id, "group": "skipped", "skip_reason": reason,
                    "channel": None, "address": None, "outbox_id": None} for customer_id, reason in skipped.items()]
    for start in range(0, len(recipients), 5000):
        session.execute(insert(BroadcastRecipient), recipients[start:start + 5000])
    broadcast.status = "sending" if treated else "done"
    broadcast.planned_at = now
    broadcast.finished_at = None if treated else now
    summary = PlanSummary(len(targets) + len(skipped), len(treated), len(control), {}, len(set(outbox_by_customer.values())))
    for reason in skipped.values():
        summary.skipped[reason] = summary.skipped.get(reason, 0) + 1
    return summary


def _write_outbox(session: Session, broadcast: Broadcast, treated: list[Target], settings: Settings,
                  now: datetime) -> dict[int, int]:
    """Outbox rows for the treated group; returns customer id -> outbox row id.

    A text without per-customer fields goes to LINE users by multicast (500 per request); any
    other message is one push row per customer, written in bulk.
    """
    zone = ZoneInfo(settings.app.timezone)
    quiet = (broadcast.quiet_start, broadcast.quiet_end) if broadcast.quiet_start and broadcast.quiet_end else None
    personal = fields_used(broadcast.text)
    texts = _personal_texts(session, broadcast.text, personal, [t.customer_id for t in treated]) if personal else {}
    by_channel: dict[str, list[Target]] = defaultdict(list)
    for target in treated:
        by_channel[target.channel].append(target)
    plan: list[tuple[str, list[Target]]] = []  # (channel, recipients of one row), in sending order
    for channel, targets in sorted(by_channel.items()):
        size = pipeline.MULTICAST_RECIPIENTS.get(channel, 1) if not personal else 1
        plan += [(channel, targets[i:i + size]) for i in range(0, len(targets), size)]
    slots = send_slots(now, [len(group) for _, group in plan], broadcast.rate_per_minute, quiet, zone)
    result: dict[int, int] = {}
    singles: list[dict[str, Any]] = []
    single_customers: dict[str, int] = {}
    for (channel, group), slot in zip(plan, slots, strict=True):
        if len(group) > 1 or (pipeline.MULTICAST_RECIPIENTS.get(channel, 1) > 1 and not personal):
            [row] = pipeline.enqueue_multicast(session, channel, [t.address for t in group], [Outbound(broadcast.text)],
                                               purpose="marketing", not_before=slot)
            row.broadcast_id = broadcast.id
            result.update({t.customer_id: row.id for t in group})
            continue
        target = group[0]
        key = str(uuid.uuid4())
        single_customers[key] = target.customer_id
        text = texts.get(target.customer_id, broadcast.text)
        singles.append({"channel": channel, "address": target.address, "recipients": None,
                        "messages": [Outbound(text).to_json()], "purpose": "marketing", "customer_id": target.customer_id,
                        "broadcast_id": broadcast.id, "idempotency_key": key, "status": "pending", "attempts": 0,
                        "next_attempt_at": slot, "reply_attempted": False, "created_at": now})
    session.flush()
    for start in range(0, len(singles), 2000):
        rows = session.execute(insert(OutboxMessage).returning(OutboxMessage.id, OutboxMessage.idempotency_key),
                               singles[start:start + 2000])
        result.update({single_customers[key]: row_id for row_id, key in rows})
    return result


def _personal_texts(session: Session, text: str, fields: set[str], customer_ids: list[int]) -> dict[int, str]:
    points = customer_points(session, customer_ids) if "points" in fields else {}
    if points is None:
        raise PlanningError("{points} needs the loyalty engine, which is not installed yet")
    texts = {}
    for start in range(0, len(customer_ids), 5000):
        chunk = customer_ids[start:start + 5000]
        for customer_id, name, tier, language in session.execute(
                select(Customer.id, Customer.display_name, Customer.tier, Customer.language).where(Customer.id.in_(chunk))):
            fallback = "朋友" if language.startswith("zh") else "friend"
            texts[customer_id] = render(text, {"name": name or fallback, "tier": tier_label(tier, language),
                                               "points": points.get(customer_id, 0)})
    return texts


def pause(session: Session, broadcast: Broadcast) -> int:
    """Hold the rows not yet sent (a row already with a platform still completes)."""
    if broadcast.status != "sending":
        raise PlanningError(f"only a sending broadcast can be paused (this one is {broadcast.status})")
    broadcast.status = "paused"
    return session.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "pending")
                           .values(status="paused")).rowcount or 0


def resume(session: Session, broadcast: Broadcast, settings: Settings, now: datetime) -> int:
    """Release held rows, paced again from now so the rate cap and quiet hours still hold."""
    if broadcast.status != "paused":
        raise PlanningError(f"only a paused broadcast can be resumed (this one is {broadcast.status})")
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.recipients).where(
        OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "paused").order_by(OutboxMessage.id)).all()
    quiet = (broadcast.quiet_start, broadcast.quiet_end) if broadcast.quiet_start and broadcast.quiet_end else None
    slots = send_slots(now, [len(r.recipients or [None]) for r in rows], broadcast.rate_per_minute, quiet, ZoneInfo(settings.app.timezone))
    for row, slot in zip(rows, slots, strict=True):
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.status == "paused")
                        .values(status="pending", next_attempt_at=slot))
    broadcast.status = "sending"
    return len(rows)


def cancel(session: Session, broadcast: Broadcast, now: datetime) -> int:
    """Stop for good: rows not yet sent become `cancelled`; a recurring broadcast stops recurring."""
    if broadcast.status in ("done", "cancelled", "failed"):
        raise PlanningError(f"this broadcast is already {broadcast.status}")
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    return session.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id,
                                                       OutboxMessage.status.in_(("pending", "paused")))
                           .values(status="cancelled")).rowcount or 0
