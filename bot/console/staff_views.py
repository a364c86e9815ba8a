"""Staff pages: customers (search, profile), a conversation (timeline, reply, notes, take over,
hand back), and recording a purchase by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import commerce_panels, product_panels, purchase_form, security, ticket_work
from bot.console.base import current_language
from bot.console.care_panels import care_panels, conversation_ticket
from bot.console.customers import delivery_statuses, profile, search_customers, timeline
from bot.console.i18n import gettext as _
from bot.console.i18n import reader_locale
from bot.console.journey_panels import journey_panels
from bot.console.purchases import PurchaseError, record_purchase_outcome
from bot.console.replies import ReplyError, add_note, send_staff_reply, set_handler
from bot.console.value_panels import value_panels
from bot.console.views import form_text, reading, runtime, writing
from bot.crm import tiers
from bot.i18n.formats import amount_figure
from models import CannedReply, Conversation, utcnow

staff = Blueprint("staff", __name__)


@staff.get("/customers")
@security.allow("customers.read")
def customers() -> Any:
    query = request.args.get("q", "")[:200]
    with reading() as db:
        found = search_customers(db, query)
    return render_template("console/customers.html", customers=found, q=query)


@staff.get("/customers/<int:customer_id>")
@security.allow("customers.read")
def customer(customer_id: int) -> Any:
    return customer_page(customer_id, None)


@staff.get("/conversations/<int:conversation_id>")
@security.allow("conversations")
def conversation(conversation_id: int) -> Any:
    with reading() as db:
        found = db.get(Conversation, conversation_id)
        if found is None:
            abort(404, "no such conversation")
    return customer_page(found.customer_id, found)


def customer_page(customer_id: int | None, conversation: Conversation | None, errors: dict[str, str] | None = None,
                   status: int = 200) -> Any:
    before = request.args.get("before", type=int)
    with reading() as db:
        info = profile(db, customer_id) if customer_id is not None else None
        if customer_id is not None and info is None:
            abort(404, "no such customer")
        entries, more = (timeline(db, customer_id, conversation.id if conversation else None, before_id=before)
                         if security.can("conversations") else ([], False))  # marketers see the profile, not the chat
        panels = [*commerce_panels.profile_panels(db, info.customer), *journey_panels(db, info.customer.id)] if info else []
        panels += [product_panels.bought_panel(db, info.customer.id)] if info else []
        panels += value_panels(db, info.customer.id) if info else []
        settings = runtime().settings
        care = care_panels(db, info.customer.id, current_language(), settings.app.default_language, utcnow()) if info else None
        ticket = conversation_ticket(db, conversation.id) if conversation else None
        assignees = ticket_work.assignable(db, settings) if ticket else []
        canned = list(db.scalars(select(CannedReply).where(CannedReply.active).order_by(CannedReply.position, CannedReply.id)))
        refunds = (purchase_form.refund_choices(db, info.customer.id, request.args.get("refund_page", 0, type=int) or 0,
                                                (request.args.get("refund_find") or "")[:30])
                   if info and security.can("purchases") else purchase_form.RefundChoices([]))
    return render_template("console/conversation.html", info=info, conversation=conversation, entries=entries, more=more,
                           panels=panels, care=care, ticket=ticket, assignees=assignees, coupons=commerce_panels.recovery_coupon_templates(),
                           canned=canned, errors=errors or {}, tier_label=lambda tier, language: tiers.tier_name(runtime().settings, tier, language),
                           purchase_key=str(uuid.uuid4()), form=request.form, refunds=refunds), status


@staff.get("/customers/<int:customer_id>/timeline.json")
@security.allow("conversations")  # what customers wrote: staff and admins only, never marketers
def timeline_json(customer_id: int) -> Any:
    """New messages after `after` and the delivery status of the outbox rows in `outbox`."""
    after = request.args.get("after", default=0, type=int)
    conversation_id = request.args.get("conversation", type=int)
    outbox_ids = [int(x) for x in request.args.get("outbox", "").split(",") if x.isdigit()]
    with reading() as db:
        entries, _more = timeline(db, customer_id if customer_id else None, conversation_id, after_id=after)
        statuses = delivery_statuses(db, outbox_ids)
    return jsonify(
        messages=[{"id": e.id, "channel": e.channel, "direction": e.direction, "kind": e.kind, "text": e.text,
                   "unsent": e.unsent, "at": e.created_at.isoformat(), "outbox_id": e.outbox_id,
                   "status": e.delivery_status, "staff": e.staff,
                   "pressed": _("Pressed “{label}”", label=e.pressed) if e.pressed else None} for e in entries],
        statuses={str(k): {"status": v[0], "error": v[1]} for k, v in statuses.items()},
    )


@staff.post("/conversations/<int:conversation_id>/reply")
@security.allow("conversations")
def reply(conversation_id: int) -> Any:
    text = form_text("text", 10000)
    try:
        with writing() as db:
            found = _conversation_or_404(db, conversation_id)
            send_staff_reply(db, found, text, g.user.email)
            ticket_work.record_reply(db, found, g.user.email, utcnow())  # stops the first-response clock
    except ReplyError as exc:
        with reading() as db:
            found = _conversation_or_404(db, conversation_id)
        return customer_page(found.customer_id, found, {"text": _(str(exc))}, 400)
    flash(_("Reply queued; its delivery status shows beside it."))
    return redirect(url_for("staff.conversation", conversation_id=conversation_id) + "#reply")


@staff.post("/conversations/<int:conversation_id>/handler")
@security.allow("conversations")
def handler(conversation_id: int) -> Any:
    try:
        with writing() as db:
            found = _conversation_or_404(db, conversation_id)
            ticket = ticket_work.open_ticket(db, conversation_id)
            if ticket is not None and request.form.get("handled_by") == "bot":
                abort(409, _("Ticket #{id} is open: resolve it to hand the conversation back to the bot.", id=ticket.id))
            set_handler(found, request.form.get("handled_by", ""))
    except ReplyError as exc:
        abort(400, str(exc))
    taken = request.form.get("handled_by") == "human"
    flash(_("You are handling this conversation; the bot stays quiet.") if taken else _("Handed back to the bot."))
    return redirect(url_for("staff.conversation", conversation_id=conversation_id))


@staff.post("/customers/<int:customer_id>/notes")
@security.allow("conversations")
def note(customer_id: int) -> Any:
    conversation_id = request.form.get("conversation_id", type=int)
    try:
        with writing() as db:
            add_note(db, customer_id, conversation_id, g.user.id, form_text("note", 10000))
    except ReplyError as exc:
        with reading() as db:
            found = db.get(Conversation, conversation_id) if conversation_id else None
        return customer_page(customer_id, found, {"note": _(str(exc))}, 400)
    flash(_("Note saved."))
    return redirect(_back(customer_id, conversation_id))


@staff.post("/customers/<int:customer_id>/purchases")
@security.allow("purchases")
def purchase(customer_id: int) -> Any:
    items = [item.strip() for item in form_text("items", 2000).split(",") if item.strip()]
    conversation_id = request.form.get("conversation_id", type=int)
    try:
        placed_at = _placed_at(request.form.get("placed_at", ""))
        with writing() as db:
            result = record_purchase_outcome(db, runtime().settings, customer_id, request.form.get("amount", ""), items, "console",
                                             request.form.get("idempotency_key") or None, placed_at=placed_at,
                                             refund_of=request.form.get("refund_of"))
            amount, created = result.order.amount, result.created
            gift = commerce_panels.tier_gift_line(db, result.tier_coupon) if result.tier_coupon else None
    except PurchaseError as exc:
        with reading() as db:
            found = db.get(Conversation, conversation_id) if conversation_id else None
            message = purchase_form.error_text(db, exc, request.form.get("refund_of"))
        return customer_page(customer_id, found, {exc.field: message}, 400)
    if not created:
        flash(_("This purchase was already recorded."))
    else:
        flash(_("Purchase of NT${amount} recorded.", amount=amount_figure(amount, reader_locale())) if amount > 0
              else _("Refund of NT${amount} recorded.", amount=amount_figure(-amount, reader_locale())))
    if gift:
        flash(gift)
    return redirect(_back(customer_id, conversation_id))


def _placed_at(value: str) -> datetime | None:
    """A `datetime-local` value in the shop's time zone, or empty for now."""
    if not value.strip():
        return None
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PurchaseError("placed_at", f"{value!r} is not a date and time") from None
    return local.replace(tzinfo=ZoneInfo(runtime().settings.app.timezone))


def _conversation_or_404(db: Any, conversation_id: int) -> Conversation:
    found = db.get(Conversation, conversation_id)
    if found is None:
        abort(404, "no such conversation")
    return found


def _back(customer_id: int, conversation_id: int | None) -> str:
    if conversation_id:
        return url_for("staff.conversation", conversation_id=conversation_id)
    return url_for("staff.customer", customer_id=customer_id)
