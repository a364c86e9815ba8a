"""Ticket actions (claim, assign, resolve) and privacy requests (confirm deletion, reject), posted
from the queue and the conversation page. Each answers with a redirect back to where it came from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from bot.console import commerce_panels, privacy, security, ticket_work
from bot.console.i18n import gettext as _
from bot.console.views import form_text, next_url, reading, runtime, writing
from models import Conversation, Ticket, utcnow

tickets = Blueprint("tickets", __name__)


def _conversation_url(ticket_id: int) -> str:
    with reading() as db:
        ticket = db.get(Ticket, ticket_id)
        if ticket is None:
            abort(404, "no such ticket")
        return url_for("staff.conversation", conversation_id=ticket.conversation_id)


@tickets.post("/tickets/<int:ticket_id>/claim")
@security.allow("tickets")
def claim(ticket_id: int) -> Any:
    try:
        with writing() as db:
            ticket_work.claim(db, ticket_id, g.user.email)
    except LookupError:
        abort(404, "no such ticket")
    except ticket_work.TicketError as exc:
        abort(exc.status, _(exc.text, **exc.fields))
    flash(_("Ticket #{id} is yours.", id=ticket_id))
    return redirect(next_url(_conversation_url(ticket_id)))


@tickets.post("/tickets/<int:ticket_id>/assign")
@security.allow("tickets")
def assign(ticket_id: int) -> Any:
    assignee = form_text("assignee", 100)
    try:
        with writing() as db:
            ticket_work.assign(db, runtime().settings, ticket_id, assignee)
    except LookupError:
        abort(404, "no such ticket")
    except ticket_work.TicketError as exc:
        abort(exc.status, _(exc.text, **exc.fields))
    flash(_("Ticket #{id} assigned to {who}.", id=ticket_id, who=assignee) if assignee else _("Ticket #{id} is unassigned.", id=ticket_id))
    return redirect(next_url(_conversation_url(ticket_id)))


@tickets.post("/tickets/<int:ticket_id>/resolve")
@security.allow("tickets")
def resolve(ticket_id: int) -> Any:
    from bot.console.staff_views import customer_page

    reason = form_text("reason", 2000)
    coupon = request.form.get("coupon", "")
    try:
        with writing() as db:
            ticket = db.get(Ticket, ticket_id)
            if ticket is None:
                abort(404, "no such ticket")
            if coupon:  # an active template, issued and announced to the customer (commerce_panels.issue_recovery_coupon)
                commerce_panels.issue_recovery_coupon(db, ticket.customer_id, coupon)
            note = _("Ticket #{id} resolved: {reason}", id=ticket_id, reason=reason.strip())
            ticket_work.resolve(db, runtime().settings, ticket_id, g.user, reason, note, utcnow())
            conversation_id = ticket.conversation_id
    except LookupError as exc:
        abort(400, str(exc))
    except ticket_work.TicketError as exc:
        with reading() as db:
            ticket = db.get(Ticket, ticket_id)
            assert ticket is not None  # ticket_work.resolve found it before it refused
            conversation = db.get(Conversation, ticket.conversation_id)
            assert conversation is not None  # a ticket's conversation is never deleted while it exists
        if exc.status == 409:
            abort(409, _(exc.text, **exc.fields))
        return customer_page(conversation.customer_id, conversation, {"reason": _(exc.text, **exc.fields)}, 400)
    flash(_("Ticket #{id} resolved; the bot answers again and the customer will be asked to rate the service.", id=ticket_id))
    return redirect(url_for("staff.conversation", conversation_id=conversation_id))


@tickets.post("/customers/<int:customer_id>/data-requests/<int:request_id>")
@security.allow("privacy")
def data_request(customer_id: int, request_id: int) -> Any:
    action = request.form.get("action", "")
    if action not in ("confirm", "reject"):
        abort(400, f"action must be confirm or reject, not {action!r}")
    if action == "confirm" and request.form.get("sure") != "yes":
        abort(400, _("Tick the box to confirm that the customer's personal data is erased."))
    try:
        with writing() as db:
            handle = privacy.confirm_deletion if action == "confirm" else privacy.reject_request
            handle(db, request_id, customer_id, g.user.email, utcnow())
    except LookupError:
        abort(404, "no such data request")
    except privacy.RequestError as exc:
        abort(409, _(exc.text, status=_(exc.status)))
    flash(_("The customer's personal data is erased.") if action == "confirm" else _("The request is closed without erasing."))
    return redirect(next_url(url_for("staff.customer", customer_id=customer_id)))
