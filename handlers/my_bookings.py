"""Customers' own bookings: "my bookings", and the buttons on it and on every reminder
(I'll be there / reschedule / cancel). Only the owner's own upcoming booking can be touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.crm import booking
from bot.crm.text import local_label
from bot.engine import Context
from bot.events import Button, Outbound
from bot.i18n.texts import BOOKING as TEXTS
from handlers.appointments import FLOW, ask_day, said, service_name
from handlers.common import say, start_flow
from handlers.faq import menu_buttons
from models import Appointment, Service


def on_my_bookings(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or ctx.event.chat_type != "user":
        return None
    if ctx.postback == "appt:list" or (ctx.event.kind == "text" and said(ctx.text, ctx.settings.appointments.my_bookings_words)):
        return [my_bookings(ctx)]
    return None


def on_appointment_buttons(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or ctx.event.chat_type != "user" or not ctx.postback.startswith("appt:") or ctx.postback == "appt:list":
        return None
    return [_appointment_action(ctx, ctx.postback)]


def my_bookings(ctx: Context) -> Outbound:
    assert ctx.customer is not None
    items = booking.upcoming(ctx.session, ctx.customer.id, ctx.now)
    if not items:
        return Outbound(say(ctx, TEXTS, "none_upcoming"), quick_replies=menu_buttons(ctx))
    lines, buttons = [say(ctx, TEXTS, "upcoming")], []
    for number, item in enumerate(items[:6], 1):
        service = ctx.session.get(Service, item.service_id)
        assert service is not None  # a non-null foreign key, deleted with its service
        lines.append(f"{number}. " + say(ctx, TEXTS, "item", service=service_name(ctx, service),
                                         when=local_label(item.starts_at, ctx.language, ctx.settings)))
        buttons += [Button(f"{number} {say(ctx, TEXTS, 'move_button')}", f"appt:move:{item.id}"),
                    Button(f"{number} {say(ctx, TEXTS, 'cancel_button')}", f"appt:cancel:{item.id}")]
    return Outbound("\n".join(lines), quick_replies=tuple(buttons[:13]))


def _appointment_action(ctx: Context, data: str) -> Outbound:
    """`appt:<keep|move|cancel>:<id>`, from "my bookings" or a reminder; only the owner's own."""
    assert ctx.customer is not None
    action, raw_id = data.split(":")[1], data.split(":")[-1]
    appointment = ctx.session.get(Appointment, int(raw_id)) if raw_id.isdigit() else None
    if (appointment is None or appointment.customer_id != ctx.customer.id or appointment.status != "booked"
            or appointment.starts_at <= ctx.now):
        return Outbound(say(ctx, TEXTS, "not_found"), quick_replies=menu_buttons(ctx))
    service = ctx.session.get(Service, appointment.service_id)
    assert service is not None  # a non-null foreign key, deleted with its service
    when = local_label(appointment.starts_at, ctx.language, ctx.settings)
    if action == "cancel":
        booking.cancel(ctx.session, appointment, ctx.now)
        return Outbound(say(ctx, TEXTS, "cancelled", when=when, service=service_name(ctx, service)), quick_replies=menu_buttons(ctx))
    if action == "keep":
        appointment.confirmed_at = ctx.now
        return Outbound(say(ctx, TEXTS, "confirmed", when=when))
    if action == "move" and service is not None and service.active:
        start_flow(ctx, FLOW, "day", move_id=appointment.id)
        return ask_day(ctx, service)
    return Outbound(say(ctx, TEXTS, "not_found"), quick_replies=menu_buttons(ctx))
