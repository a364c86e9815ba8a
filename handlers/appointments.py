"""The booking dialogue: service -> day -> free slot -> confirm (also used to reschedule).

Why every button carries the service and the time in its data: a customer may press an old
button after the conversation moved on; a self-contained postback is still understood, and the
dialogue state is only needed for typed answers ("3/14", "14:00").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.crm import booking
from bot.crm.text import local_label, normalise, zone
from bot.engine import Context
from bot.events import Button, Outbound
from bot.i18n import pick
from bot.i18n.texts import BOOKING as TEXTS
from handlers.common import (
    end_flow,
    flow_data,
    flow_of,
    is_command,
    keep_flow_language,
    mentions,
    miss,
    say,
    start_flow,
    update_flow,
)
from handlers.faq import menu_buttons
from models import Appointment, Service

FLOW = "booking"
YES_WORDS = ("確認", "确认", "好", "是", "yes", "ok", "confirm", "y")
CHANGE_WORDS = ("換時段", "换时段", "換", "换", "change", "another time")
QUIT_WORDS = ("取消", "不預約了", "不预约了", "算了", "cancel", "quit", "never mind", "no")
RELATIVE_DAYS = {"今天": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "後天": 2, "后天": 2}
MAX_SLOT_BUTTONS = 12


def service_name(ctx: Context, service: Service) -> str:
    return pick(service.name, ctx.language, ctx.settings.app.default_language) or service.code


# --- entry points --------------------------------------------------------------------------------

def on_booking_keywords(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or ctx.event.chat_type != "user":
        return None
    if ctx.postback == "book:start" or (ctx.event.kind == "text" and said(ctx.text, ctx.settings.appointments.book_words)):
        return [start_booking(ctx)]
    return None


def said(text: str, words: Sequence[str]) -> bool:
    """Chinese keywords anywhere in the message; English ones only as the whole message, so
    "when is the book club" is left to the FAQ."""
    return is_command(text, words) or any(not w.isascii() for w in mentions(text, words))


def start_booking(ctx: Context, move_id: int | None = None) -> Outbound:
    booking.sync_services(ctx.session, ctx.settings)
    services = booking.active_services(ctx.session)
    if not services:
        return Outbound(say(ctx, TEXTS, "no_services"), quick_replies=menu_buttons(ctx))
    start_flow(ctx, FLOW, "service", move_id=move_id)
    if len(services) == 1:
        return ask_day(ctx, services[0])
    return _ask_service(ctx, services)


def _ask_service(ctx: Context, services: list[Service], prefix: str | None = None) -> Outbound:
    update_flow(ctx, step="service")
    text = say(ctx, TEXTS, "pick_service")
    buttons = tuple(Button(service_name(ctx, s), f"book:svc:{s.code}", service_name(ctx, s)) for s in services[:12])
    return Outbound(f"{prefix}\n{text}" if prefix else text, quick_replies=buttons)


def ask_day(ctx: Context, service: Service, prefix: str | None = None) -> Outbound:
    update_flow(ctx, step="day", service=service.code)
    days = booking.open_days(ctx.session, service, ctx.settings, ctx.now)
    name = service_name(ctx, service)
    if not days:
        end_flow(ctx)
        return Outbound(say(ctx, TEXTS, "no_days", service=name, n=ctx.settings.appointments.days_ahead, days=ctx.settings.appointments.days_ahead),
                        quick_replies=menu_buttons(ctx))
    today = ctx.now.astimezone(zone(ctx.settings)).date()
    _, last_day = booking.bookable_window(ctx.settings, ctx.now)
    buttons = [Button(local_label(_noon(ctx, d), ctx.language, ctx.settings, with_time=False), f"book:day:{service.code}:{d}")
               for d in days]
    buttons.append(Button(say(ctx, TEXTS, "date_picker"), f"book:pick:{service.code}", action="date",
                          initial=days[0].isoformat(), earliest=today.isoformat(), latest=last_day.isoformat()))
    text = say(ctx, TEXTS, "pick_day", service=name)
    return Outbound(f"{prefix}\n{text}" if prefix else text, quick_replies=tuple(buttons))


def _noon(ctx: Context, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone(ctx.settings)) + timedelta(hours=12)


def _ask_slot(ctx: Context, service: Service, day: date, prefix: str | None = None) -> Outbound | None:
    """The free times of a day, or None when there are none."""
    slots = booking.free_slots(ctx.session, service, day, ctx.settings, ctx.now)
    if not slots:
        return None
    update_flow(ctx, step="slot", service=service.code, day=day.isoformat())
    tz = zone(ctx.settings)
    buttons = [Button(f"{s.starts_at.astimezone(tz):%H:%M}", f"book:slot:{service.code}:{_stamp(ctx, s.starts_at)}")
               for s in slots[:MAX_SLOT_BUTTONS]]
    buttons.append(Button(say(ctx, TEXTS, "other_day"), f"book:svc:{service.code}"))
    label = local_label(_noon(ctx, day), ctx.language, ctx.settings, with_time=False)
    text = say(ctx, TEXTS, "pick_slot", service=service_name(ctx, service), day=label)
    return Outbound(f"{prefix}\n{text}" if prefix else text, quick_replies=tuple(buttons))


def _stamp(ctx: Context, moment: datetime) -> str:
    return f"{moment.astimezone(zone(ctx.settings)):%Y%m%dT%H%M}"


def _unstamp(ctx: Context, stamp: str) -> datetime | None:
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=zone(ctx.settings))
    except ValueError:
        return None


def _ask_confirm(ctx: Context, service: Service, starts_at: datetime) -> Outbound:
    update_flow(ctx, step="confirm", service=service.code, start=_stamp(ctx, starts_at))
    text = say(ctx, TEXTS, "confirm", service=service_name(ctx, service), when=local_label(starts_at, ctx.language, ctx.settings))
    return Outbound(text, buttons=(
        Button(say(ctx, TEXTS, "confirm_button"), f"book:ok:{service.code}:{_stamp(ctx, starts_at)}"),
        Button(say(ctx, TEXTS, "change_button"), f"book:day:{service.code}:{starts_at.astimezone(zone(ctx.settings)).date()}"),
        Button(say(ctx, TEXTS, "quit_button"), "book:quit"),
    ))


# --- the dialogue --------------------------------------------------------------------------------

def on_booking_dialogue(ctx: Context) -> Sequence[Outbound] | None:
    """Booking buttons at any time; typed answers while the booking dialogue is open (1:1 chats only:
    a group must not see a customer's booking)."""
    if ctx.customer is None or ctx.event.chat_type != "user":
        return None
    data = ctx.postback
    if data.startswith("book:") and data != "book:start":
        return [_booking_button(ctx, data)]
    if flow_of(ctx) == FLOW and ctx.event.kind == "text":
        if is_command(ctx.text, ctx.settings.leads.start_words):
            end_flow(ctx)  # the customer changed their mind ("加入會員"): let the keywords answer
            return None
        keep_flow_language(ctx)
        return [_typed_answer(ctx)]
    return None


def _ensure_flow(ctx: Context) -> None:
    if flow_of(ctx) != FLOW:
        start_flow(ctx, FLOW, "service", move_id=None)


def _booking_button(ctx: Context, data: str) -> Outbound:
    parts = data.split(":")
    if parts[1] == "quit":
        end_flow(ctx)
        return Outbound(say(ctx, TEXTS, "quit"), quick_replies=menu_buttons(ctx))
    service = booking.service_by_code(ctx.session, parts[2]) if len(parts) > 2 else None
    if service is None:
        return start_booking(ctx)
    _ensure_flow(ctx)
    if parts[1] == "svc":
        return ask_day(ctx, service)
    if parts[1] == "day":
        return _choose_day(ctx, service, parts[3] if len(parts) > 3 else "")
    if parts[1] == "pick":
        return _picked(ctx, service, dict(ctx.event.payload.get("params") or {}))
    starts_at = _unstamp(ctx, parts[3]) if len(parts) > 3 else None
    if starts_at is None:
        return ask_day(ctx, service)
    if parts[1] == "slot":
        return _choose_slot(ctx, service, starts_at)
    if parts[1] == "ok":
        return _finish(ctx, service, starts_at)
    return ask_day(ctx, service)


def _picked(ctx: Context, service: Service, params: dict[str, str]) -> Outbound:
    """What a LINE date-time picker sent: a date (then pick a slot), a datetime, or a time on the
    day already chosen (both must be a free slot's start)."""
    if params.get("date"):
        return _choose_day(ctx, service, params["date"])
    raw, starts_at = params.get("datetime") or params.get("time") or "", None
    try:
        if params.get("datetime"):
            starts_at = datetime.fromisoformat(params["datetime"]).replace(tzinfo=zone(ctx.settings))
        elif params.get("time") and flow_data(ctx).get("day"):
            starts_at = _parse_time(ctx, date.fromisoformat(flow_data(ctx)["day"]), params["time"])
    except ValueError:
        starts_at = None
    if starts_at is None:
        return _retry(ctx, ask_day(ctx, service, _complaint(ctx, "bad_day", raw)))
    return _choose_slot(ctx, service, starts_at)


def _choose_day(ctx: Context, service: Service, raw: str) -> Outbound:
    day = _parse_day(ctx, raw)
    today = ctx.now.astimezone(zone(ctx.settings)).date()
    _, last_day = booking.bookable_window(ctx.settings, ctx.now)
    if day is not None and today <= day <= last_day:
        asked = _ask_slot(ctx, service, day)
        if asked is not None:
            return asked
        return _retry(ctx, ask_day(ctx, service, _complaint(ctx, "day_full", raw, day)))
    return _retry(ctx, ask_day(ctx, service, _complaint(ctx, "bad_day", raw)))


def _complaint(ctx: Context, key: str, raw: str, day: date | None = None) -> str:
    example = f"{(ctx.now + timedelta(days=1)).astimezone(zone(ctx.settings)):%-m/%-d}"
    label = local_label(_noon(ctx, day), ctx.language, ctx.settings, with_time=False) if day else ""
    return say(ctx, TEXTS, key, value=raw[:40], example=example, day=label)


def _retry(ctx: Context, question: Outbound) -> Outbound:
    """A bad answer: ask again once; the second time, stop the dialogue kindly."""
    if miss(ctx) >= 2:
        end_flow(ctx)
        return Outbound(f"{question.text.splitlines()[0]}\n{say(ctx, TEXTS, 'gave_up')}", quick_replies=menu_buttons(ctx))
    return question


def _choose_slot(ctx: Context, service: Service, starts_at: datetime) -> Outbound:
    if not booking.is_slot_start(service, starts_at, ctx.settings, ctx.now):
        return ask_day(ctx, service, _complaint(ctx, "bad_slot", f"{starts_at:%H:%M}"))
    return _ask_confirm(ctx, service, starts_at)


def _finish(ctx: Context, service: Service, starts_at: datetime) -> Outbound:
    customer = ctx.customer
    assert customer is not None
    if not booking.is_slot_start(service, starts_at, ctx.settings, ctx.now):
        return ask_day(ctx, service, _complaint(ctx, "bad_slot", f"{starts_at.astimezone(zone(ctx.settings)):%H:%M}"))
    move_id = flow_data(ctx).get("move_id")
    when = local_label(starts_at, ctx.language, ctx.settings)
    name = service_name(ctx, service)
    if move_id:
        appointment = ctx.session.get(Appointment, move_id)
        if appointment is None or appointment.customer_id != customer.id or appointment.status != "booked":
            end_flow(ctx)
            return Outbound(say(ctx, TEXTS, "not_found"), quick_replies=menu_buttons(ctx))
        if booking.move(ctx.session, appointment, service, starts_at, ctx.now):
            end_flow(ctx)
            return Outbound(say(ctx, TEXTS, "moved", when=when, service=name), quick_replies=menu_buttons(ctx))
    else:
        if booking.holds(ctx.session, customer.id, service.id, starts_at):
            end_flow(ctx)
            return Outbound(say(ctx, TEXTS, "already_holding"), quick_replies=menu_buttons(ctx))
        booked = booking.book(ctx.session, customer.id, service, starts_at, channel=ctx.event.channel,
                              address=ctx.conversation.address, now=ctx.now)
        if booked:
            end_flow(ctx)
            card = booking.appointment_card(ctx.language, ctx.settings, "card_booked", name, when,
                                            booking.reminder_buttons(ctx.language, ctx.settings, booked.id)[1:])
            return Outbound(say(ctx, TEXTS, "booked", service=name, when=when), quick_replies=menu_buttons(ctx), card=card)
    day = starts_at.astimezone(zone(ctx.settings)).date()
    return _ask_slot(ctx, service, day, say(ctx, TEXTS, "taken")) or ask_day(ctx, service, say(ctx, TEXTS, "taken"))


def _typed_answer(ctx: Context) -> Outbound:
    data, step = flow_data(ctx), ctx.state.step if ctx.state is not None else None
    if is_command(ctx.text, QUIT_WORDS):
        end_flow(ctx)
        return Outbound(say(ctx, TEXTS, "quit"), quick_replies=menu_buttons(ctx))
    service = booking.service_by_code(ctx.session, data.get("service") or "")
    if step == "service" or service is None:
        return _typed_service(ctx)
    if step == "day":
        return _choose_day(ctx, service, ctx.text)
    if step == "slot":
        starts_at = _parse_time(ctx, date.fromisoformat(data["day"]), ctx.text)
        free = {s.starts_at for s in booking.free_slots(ctx.session, service, date.fromisoformat(data["day"]), ctx.settings, ctx.now)}
        if starts_at is None or starts_at not in free:
            asked = _ask_slot(ctx, service, date.fromisoformat(data["day"]), _complaint(ctx, "bad_slot", ctx.text))
            return _retry(ctx, asked or ask_day(ctx, service))
        return _ask_confirm(ctx, service, starts_at)
    starts_at = _unstamp(ctx, data.get("start") or "")
    if starts_at is not None and is_command(ctx.text, YES_WORDS):
        return _finish(ctx, service, starts_at)
    if is_command(ctx.text, CHANGE_WORDS):
        return ask_day(ctx, service)
    return _retry(ctx, _ask_confirm(ctx, service, starts_at) if starts_at else ask_day(ctx, service))


def _typed_service(ctx: Context) -> Outbound:
    services = booking.active_services(ctx.session)
    said = normalise(ctx.text)
    for index, service in enumerate(services, 1):
        names = {normalise(n) for n in service.name.values()} | {service.code.lower(), str(index)}
        if said in names:
            return ask_day(ctx, service)
    return _retry(ctx, _ask_service(ctx, services, say(ctx, TEXTS, "bad_service", value=ctx.text[:40])))


def _parse_day(ctx: Context, raw: str) -> date | None:
    text = normalise(raw)
    today = ctx.now.astimezone(zone(ctx.settings)).date()
    if text in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[text])
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})\s*[/\-月.]\s*(\d{1,2})\s*[日号號]?", text)
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    for year in (today.year, today.year + 1):  # "1/5" in December means next January
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _parse_time(ctx: Context, day: date, raw: str) -> datetime | None:
    match = re.fullmatch(r"(\d{1,2})(?:[:：.]?(\d{2}))?\s*(am|pm|點|点)?", normalise(raw))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return datetime.combine(day, datetime.min.time(), zone(ctx.settings)) + timedelta(hours=hour, minutes=minute)
