"""The tick's fast path: a group of enrollments due at the same plain step, advanced in a few
set-based statements instead of a Python loop of queries per customer.

Why: a segment trigger or a birthday month brings 100,000 customers into a journey at once, and
they reach each step together. A plain message (no coupon, no buttons, the preferred channel,
fields that need no extra query) and a wait for a duration are the same for all of them, so one
claiming UPDATE ... RETURNING advances the whole group, and the outbox rows, the conversation
history, the step runs and the cap's ledger are written in bulk in the same transaction. The rules
are the same as the per-enrollment path: quiet hours, the cap (`bot.crm.pacing`), reachability
and marketing consent as `bot.crm.outreach.customer_address` decides them, one step run per
(enrollment, step). Anything else goes through `tick._advance`, one enrollment at a time.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import pacing
from bot.crm.journeys import links
from bot.crm.journeys.definition import Placed, flatten
from bot.crm.tiers import tier_name
from bot.events import Outbound
from models import (
    ChannelIdentity,
    Consent,
    Conversation,
    Customer,
    Journey,
    JourneyEnrollment,
    JourneyStepRun,
    JourneyVersion,
    Message,
    OutboxMessage,
)
from models.base import UTCDateTime
from models.bulk import bulk_insert, new_ids

CHUNK = 5000  # rows per statement (PostgreSQL takes at most 65,535 parameters in one)
PLAIN_FIELDS = {"name", "shop", "tier"}


def is_plain(step: Mapping[str, Any]) -> bool:
    if step["kind"] == "wait":
        return not ({"until", "event", "from"} & set(step))
    if step["kind"] != "message" or step.get("coupon") or step.get("buttons"):
        return False
    if step.get("channel", "preferred") != "preferred":
        return False
    fields = {name for text in step["text"].values() for _, name, _, _ in string.Formatter().parse(text) if name}
    return fields <= PLAIN_FIELDS


def advance_plain_groups(session: Session, settings: Settings, now: datetime, limit: int) -> int:
    """Advance due enrollments that sit at a plain step, group by group, until none is left (or
    `limit` moved). Returns how many step executions were done."""
    moved = 0
    versions: dict[int, dict[str, Placed]] = {}
    while moved < limit:
        groups = session.execute(
            select(JourneyEnrollment.version_id, JourneyEnrollment.step, JourneyEnrollment.journey_id)
            .where(JourneyEnrollment.status == "active", JourneyEnrollment.due_at <= now,
                   JourneyEnrollment.step.is_not(None),
                   JourneyEnrollment.journey_id.in_(select(Journey.id).where(Journey.status == "active")))
            .group_by(JourneyEnrollment.version_id, JourneyEnrollment.step, JourneyEnrollment.journey_id)).all()
        progressed = 0
        for version_id, step_id, journey_id in groups:
            if version_id not in versions:
                version = session.get(JourneyVersion, version_id)
                assert version is not None
                versions[version_id] = flatten(version.steps)
            placed = versions[version_id].get(step_id or "")
            if placed is None or not is_plain(placed.step):
                continue
            if limit - moved - progressed <= 0:
                break
            progressed += _advance_group(session, settings, now, journey_id, version_id, placed, limit - moved - progressed)
        if progressed == 0:
            return moved
        moved += progressed
    return moved


def _claim(session: Session, version_id: int, placed: Placed, now: datetime, next_due: datetime,
           limit: int) -> list[tuple[int, int]]:
    """Move the group's due rows to the next step in one UPDATE ... RETURNING; the rows it returns
    are ours (on PostgreSQL the inner SELECT skips rows another tick holds)."""
    due = (select(JourneyEnrollment.id)
           .where(JourneyEnrollment.version_id == version_id, JourneyEnrollment.step == placed.step["id"],
                  JourneyEnrollment.status == "active", JourneyEnrollment.due_at <= now)
           .order_by(JourneyEnrollment.due_at, JourneyEnrollment.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    values: dict[str, Any] = {"step": placed.next_id, "due_at": next_due, "revision": JourneyEnrollment.revision + 1}
    if placed.next_id is None:
        values.update(status="completed", exited_at=now, due_at=None)
    # UPDATE ... FROM the claimed ids (joined on the primary key): an `id IN (subquery)` can be
    # planned as a nested loop over the whole table when the table's statistics are stale (and so
    # can a MATERIALIZED CTE: tried, 100,000 rows never finished). With another tick taking and
    # freeing rows, a LIMIT ... SKIP LOCKED subquery scanned again can return other rows, so the
    # UPDATE may claim more than `limit`: harmless for exactly-once (each row is updated once and
    # every row RETURNING gives is sent), and the caller stops at its limit (advance_plain_groups)
    claimed = due.subquery()
    result = session.execute(update(JourneyEnrollment).where(JourneyEnrollment.id == claimed.c.id,
                                                             JourneyEnrollment.step == placed.step["id"])
                             .values(**values).returning(JourneyEnrollment.id, JourneyEnrollment.customer_id)
                             .execution_options(synchronize_session=False))
    return [(enrollment_id, customer_id) for enrollment_id, customer_id in result]


def _advance_group(session: Session, settings: Settings, now: datetime, journey_id: int, version_id: int,
                   placed: Placed, limit: int) -> int:
    step = placed.step
    if step["kind"] == "wait":
        delay = timedelta(days=step.get("days", 0), hours=step.get("hours", 0), minutes=step.get("minutes", 0))
        claimed = _claim(session, version_id, placed, now, now + delay, limit)
        _record(session, journey_id, step, [(e, "waiting", None) for e, _ in claimed], now)
        return len(claimed)
    marketing = not step.get("transactional", False)
    quiet_end = pacing.quiet_until(settings, now) if marketing else None
    if quiet_end is not None:  # the whole group waits for the end of the quiet hours
        session.execute(update(JourneyEnrollment).where(
            JourneyEnrollment.version_id == version_id, JourneyEnrollment.step == step["id"],
            JourneyEnrollment.status == "active", JourneyEnrollment.due_at <= now).values(due_at=quiet_end))
        return 0
    claimed = _claim(session, version_id, placed, now, now, limit)
    for start in range(0, len(claimed), CHUNK):
        _send_chunk(session, settings, now, journey_id, step, marketing, claimed[start:start + CHUNK])
    return len(claimed)


def _send_chunk(session: Session, settings: Settings, now: datetime, journey_id: int, step: Mapping[str, Any],
                marketing: bool, claimed: Sequence[tuple[int, int]]) -> None:
    customer_ids = [customer_id for _, customer_id in claimed]
    capped = pacing.capped(session, settings, customer_ids, now) if marketing else set()
    chats = _preferred_chats(session, customer_ids, marketing)
    reachable = _preferred_chats(session, [c for c in customer_ids if c not in chats], False) if marketing else {}
    outcomes: list[tuple[int, str, int | None]] = []
    outbox_rows, senders = [], []
    blank = Outbound("").to_json()  # the message's shape, built once: only the text differs per customer
    purpose = "marketing" if marketing else "journey"
    texts: dict[Any, str] = {}  # language -> the text, for a text that is the same for everyone
    for enrollment_id, customer_id in claimed:
        if customer_id in capped:
            outcomes.append((enrollment_id, "withheld_cap", None))
        elif customer_id not in chats:
            outcomes.append((enrollment_id, "withheld_consent" if customer_id in reachable else "unreachable", None))
        else:
            channel, address, conversation_id, language, name, tier = chats[customer_id]
            text = texts.get(language) or _render(settings, step, enrollment_id, language, name, tier, texts)
            outbox_rows.append({"channel": channel, "address": address, "messages": [{**blank, "text": text}],
                                "purpose": purpose, "customer_id": customer_id,
                                "conversation_id": conversation_id, "idempotency_key": str(uuid.uuid4()),  # LINE takes it as X-Line-Retry-Key: a UUID
                                "status": "pending", "attempts": 0, "reply_attempted": False, "next_attempt_at": now,
                                "created_at": now})
            senders.append((enrollment_id, customer_id, conversation_id, text))
    ids = _insert_outbox(session, outbox_rows)
    outcomes += [(enrollment_id, "sent", outbox_id) for (enrollment_id, *_), outbox_id in zip(senders, ids, strict=True)]
    _record(session, journey_id, step, outcomes, now)
    if ids and session.get_bind().dialect.name == "postgresql":
        _history_and_ledger_from_outbox(session, ids, f"journey:{journey_id}" if marketing else None)
        return
    history = [{"conversation_id": conversation_id, "direction": "out", "kind": "text", "text": text,
                "payload": {"outbound": {**blank, "text": text}, "purpose": purpose},
                "outbox_id": outbox_id, "created_at": now}
               for (_, _, conversation_id, text), outbox_id in zip(senders, ids, strict=True)]
    bulk_insert(session, Message, history)
    if marketing:
        pacing.record_sends(session, [customer_id for _, customer_id, _, _ in senders], f"journey:{journey_id}", now)


def _history_and_ledger_from_outbox(session: Session, ids: list[int], ledger_source: str | None) -> None:
    """PostgreSQL: the conversation history (what `outreach` writes per message) and the cap's
    ledger (`pacing.record_sends`) for the rows just queued, copied on the server from the outbox
    rows themselves rather than sent again from Python."""
    session.execute(text("""
        INSERT INTO messages (conversation_id, direction, kind, text, payload, outbox_id, created_at)
        SELECT conversation_id, 'out', 'text', messages->0->>'text',
               jsonb_build_object('outbound', messages->0, 'purpose', purpose), id, created_at
        FROM outbox WHERE id = ANY(:ids)"""), {"ids": ids})
    if ledger_source is not None:
        session.execute(text("""INSERT INTO marketing_sends (customer_id, source, at)
                                SELECT customer_id, :source, created_at FROM outbox WHERE id = ANY(:ids)"""),
                        {"ids": ids, "source": ledger_source[:40]})


def _insert_outbox(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Write the outbox rows and return their ids in order (COPY with ids from the sequence on
    PostgreSQL; INSERT ... RETURNING elsewhere)."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = new_ids(session, OutboxMessage, len(rows))
        bulk_insert(session, OutboxMessage, [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)])
        return ids
    return list(session.scalars(insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows))


def _render(settings: Settings, step: Mapping[str, Any], enrollment_id: int, language: str, name: str | None,
            tier: int | None, same_for_all: dict[Any, str]) -> str:
    """One customer's text (its links tracked, as `steps.render_text` does); a text without
    per-customer parts is kept in `same_for_all`, made once per language instead of per customer."""
    key = links.language_key(step["text"], language, settings)
    body = links.rewrite(settings, step["text"][key], enrollment_id, step["id"], key)
    text = body.format_map({"name": name or "", "shop": settings.shop.name,
                            "tier": tier_name(settings, tier, language) if "{tier}" in body else ""})
    if body == step["text"][key] and not {f for _, f, _, _ in string.Formatter().parse(body) if f} & {"name", "tier"}:
        same_for_all[language] = text
    return text


def _preferred_chats(session: Session, customer_ids: Sequence[int], marketing: bool) -> dict[int, tuple[Any, ...]]:
    """customer id -> (channel, address, conversation id, language, name, tier) of their most recently
    active 1:1 chat on a reachable channel (with marketing consent there, for marketing): the set
    form of `bot.crm.outreach.customer_address`, one query for thousands of customers."""
    if not customer_ids:
        return {}
    conditions = [Conversation.customer_id.in_(list(customer_ids)), Conversation.kind == "user", Conversation.active.is_(True)]
    query = (select(Conversation.customer_id, Conversation.channel, Conversation.address, Conversation.id,
                    Customer.language, Customer.display_name, Customer.tier,
                    func.row_number().over(partition_by=Conversation.customer_id,
                                           order_by=(Conversation.last_message_at.desc(), Conversation.id.desc()))
                    .label("rank"))
             .join(Customer, Customer.id == Conversation.customer_id)
             .join(ChannelIdentity, and_(ChannelIdentity.customer_id == Conversation.customer_id,
                                         ChannelIdentity.channel == Conversation.channel, ChannelIdentity.reachable.is_(True))))
    if marketing:
        query = query.join(Consent, and_(Consent.customer_id == Conversation.customer_id, Consent.channel == Conversation.channel,
                                         Consent.purpose == "marketing", Consent.granted.is_(True)))
    ranked = query.where(*conditions).subquery()
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {row[0]: tuple(row[1:7]) for row in rows}


def _record(session: Session, journey_id: int, step: Mapping[str, Any], outcomes: Sequence[tuple[int, str, int | None]],
            now: datetime) -> None:
    """The step runs of a group. On PostgreSQL one INSERT ... SELECT FROM unnest of three arrays:
    the rest of each row is the same for the whole group and is filled in by the server, instead of
    formatting every cell of 100,000 rows in Python for COPY."""
    if not outcomes:
        return
    if session.get_bind().dialect.name == "postgresql":
        enrollment_ids, kinds, outbox_ids = (list(column) for column in zip(*outcomes, strict=True))
        session.execute(text("""
            INSERT INTO journey_step_runs (enrollment_id, journey_id, step, kind, outcome, outbox_id, at)
            SELECT e, :journey, :step, :kind, o, b, :at
            FROM unnest(CAST(:enrollments AS bigint[]), CAST(:outcomes AS text[]), CAST(:outboxes AS bigint[])) AS t(e, o, b)""")
                        .bindparams(bindparam("at", type_=UTCDateTime())),
                        {"journey": journey_id, "step": step["id"], "kind": step["kind"], "at": now,
                         "enrollments": enrollment_ids, "outcomes": kinds, "outboxes": outbox_ids})
        return
    bulk_insert(session, JourneyStepRun, [
        {"enrollment_id": enrollment_id, "journey_id": journey_id, "step": step["id"], "kind": step["kind"],
         "outcome": outcome, "outbox_id": outbox_id, "detail": None, "at": now}
        for enrollment_id, outcome, outbox_id in outcomes])

