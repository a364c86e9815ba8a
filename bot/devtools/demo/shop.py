"""Generating the whole demo shop in one transaction, and taking it out again.

Why refuse a second run instead of adding more: the history is one story (customers, their
orders, broadcasts and their lift); two copies would double the revenue and break its shape.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import analytics, booking, coupons
from bot.devtools.demo import broadcasts, care, catalogue, history, loyalty, people
from bot.devtools.demo.rows import Rows
from models import (
    Appointment,
    BroadcastRecipient,
    ChannelIdentity,
    Consent,
    Conversation,
    Coupon,
    CouponRedemption,
    CouponTemplate,
    Customer,
    DemoRow,
    LeadCampaign,
    Message,
    Order,
    OrderLine,
    PointsEntry,
    Product,
    Segment,
    Service,
    Slot,
    Stamp,
    Survey,
    TagChange,
    Ticket,
    TierChange,
    utcnow,
)
from models import Broadcast as BroadcastRow

# Deleted in this order (a conversation's tickets and messages go with it; a customer's orders,
# points, coupons, appointments, surveys and broadcast recipients with them).
CLEAR_ORDER: list[Any] = [BroadcastRow, Segment, Conversation, Customer, Product, LeadCampaign]


SEATED = ("booked", "attended", "no_show")  # appointments that hold a seat in their slot


class DemoExists(Exception):
    """The demo is already there (clear it first), or it would collide with the shop's own rows."""


@dataclass
class DemoSummary:
    seed: int
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def present(session: Session) -> bool:
    return session.scalar(select(DemoRow.row_id).limit(1)) is not None


def generate(session: Session, settings: Settings, *, seed: int = 15, customers: int = 2000, months: int = 18,
             now: datetime | None = None) -> DemoSummary:
    """Fill the database with the demo bookshop; deterministic for a seed and a `now`."""
    started = time.perf_counter()
    now = (now or utcnow()).replace(microsecond=0)
    if present(session):
        raise DemoExists("the demo shop is already in this database; `python -m bot demo --clear` first")
    rng = random.Random(seed)
    rows = Rows(session)
    products = catalogue.build(rng)
    taken = set(session.scalars(select(Product.sku).where(Product.sku.in_([p.sku for p in products]))))
    if taken:
        raise DemoExists(f"the catalogue already has SKUs the demo uses (e.g. {sorted(taken)[0]}); the demo needs them free")
    rows.add(Product, catalogue.product_rows(products, now), register=True)
    codes = {c[0] for c in people.CAMPAIGNS} - set(session.scalars(select(LeadCampaign.code)))
    rows.add(LeadCampaign, [r for r in people.campaign_rows(now, months) if r["code"] in codes], register=True)

    folks = people.build(rng, customers, now, months, seed)
    for person, customer_id in zip(folks, rows.add(Customer, people.customer_rows(folks, now), register=True), strict=True):
        person.id = customer_id
    rows.add(ChannelIdentity, people.identity_rows(rng, folks, seed))
    rows.add(Consent, people.consent_rows(folks))
    rows.add(TagChange, people.tag_change_rows(folks))

    sent, campaign_orders = broadcasts.build(rng, folks, products, now)
    orders = sorted(history.build(rng, folks, products, now) + campaign_orders, key=lambda o: o.placed_at)
    for order, order_id in zip(orders, rows.add(Order, history.order_rows(orders), ids=True), strict=True):
        order.id = order_id
    rows.add(OrderLine, history.line_rows(orders))
    rows.add(PointsEntry, loyalty.points_rows(settings, orders))
    rows.add(Stamp, loyalty.stamp_rows(settings, orders))
    _coupons(session, settings, rng, rows, folks, orders, seed, now)

    segments = broadcasts.segment_rows(now)
    by_plan = dict(zip([str(r["segment"]) for r in segments], rows.add(Segment, [
        {k: v for k, v in r.items() if k != "segment"} for r in segments], register=True), strict=True))
    for item, broadcast_id in zip(sent, rows.add(BroadcastRow, broadcasts.broadcast_rows(sent, by_plan), register=True), strict=True):
        item.id = broadcast_id
    rows.add(BroadcastRecipient, broadcasts.recipient_rows(sent))

    _care(session, settings, rng, rows, folks, orders, now)
    analytics.recompute_scores(session, settings, now)  # tiers, RFM scores and stages, as the nightly job would
    demo_customers = select(DemoRow.row_id).where(DemoRow.table_name == Customer.__tablename__)
    session.execute(update(TierChange).where(TierChange.customer_id.in_(demo_customers))
                    .values(notified_at=now, notice="demo"))  # history: no congratulations to send today
    return DemoSummary(seed, time.perf_counter() - started, dict(rows.counts))


def _coupons(session: Session, settings: Settings, rng: random.Random, rows: Rows, folks: list[people.DemoCustomer],
             orders: list[history.DemoOrder], seed: int, now: datetime) -> None:
    coupons.sync_templates(session, settings)
    templates = list(session.scalars(select(CouponTemplate).where(CouponTemplate.active.is_(True)).order_by(CouponTemplate.id)))
    if not templates:
        return
    welcome = next((t for t in templates if t.code.startswith("WELCOME")), templates[0])
    leads = [p for p in folks if p.lead_source]
    coupon_rows, redeemed_on = loyalty.coupon_rows(rng, welcome, leads, orders, seed, now, share=0.8, source="welcome")
    rows.add(CouponRedemption, loyalty.redemption_rows(rows.add(Coupon, coupon_rows, ids=True), redeemed_on))


def _care(session: Session, settings: Settings, rng: random.Random, rows: Rows, folks: list[people.DemoCustomer],
          orders: list[history.DemoOrder], now: datetime) -> None:
    booking.sync_services(session, settings)
    services = list(session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.id)))
    if services:
        appointments = care.appointment_rows(rng, services, folks, now, count=320)
        taken = set(session.execute(select(Slot.service_id, Slot.starts_at)).all())
        rows.add(Appointment, appointments)
        rows.add(Slot, [r for r in care.slot_rows(appointments) if (r["service_id"], r["starts_at"]) not in taken])
    plan = care.complaint_plan(rng, folks, now, count=140)
    conversation_ids = rows.add(Conversation, care.conversation_rows(plan), register=True)
    rows.add(Message, care.message_rows(rng, conversation_ids, plan))
    tickets = care.ticket_rows(rng, conversation_ids, plan, now, list(settings.sla.first_response_minutes),
                               list(settings.sla.resolution_minutes))
    ticket_ids = rows.add(Ticket, tickets, ids=True)
    by_id = {p.id: p for p in folks}
    rows.add(Survey, care.survey_rows(rng, list(zip(ticket_ids, tickets, strict=True)), orders, by_id))


def clear(session: Session) -> dict[str, int]:
    """Delete every demo row (and what hangs off it); the shop's own rows stay. Returns counts per table."""
    removed: dict[str, int] = {}
    for model in CLEAR_ORDER:
        table = model.__tablename__
        ids = select(DemoRow.row_id).where(DemoRow.table_name == table)
        if model is Customer:
            _free_seats(session, ids)
        result: Any = session.execute(delete(model).where(model.id.in_(ids)))
        count = result.rowcount or 0
        if count:
            removed[table] = count
    session.execute(delete(DemoRow))
    return removed


def _free_seats(session: Session, customer_ids: Any) -> None:
    """Give back the seats the demo appointments took, so the calendar is as it was before."""
    held = session.execute(select(Appointment.service_id, Appointment.starts_at, func.count())
                           .where(Appointment.customer_id.in_(customer_ids), Appointment.status.in_(SEATED))
                           .group_by(Appointment.service_id, Appointment.starts_at)).all()
    for service_id, starts_at, count in held:
        session.execute(update(Slot).where(Slot.service_id == service_id, Slot.starts_at == starts_at)
                        .values(booked=Slot.booked - count))
    session.execute(delete(Slot).where(Slot.booked <= 0))
