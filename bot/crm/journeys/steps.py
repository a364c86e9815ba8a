"""What each kind of step does for one enrollment, in the tick's transaction.

Why every step returns an outcome and the step to go to, and writes nothing about the
enrollment itself: the tick (tick.py) records the step run and moves the enrollment in the same
transaction as whatever the step wrote (its outbox rows, a coupon, a tag), so a crash anywhere
leaves either all of it or none of it.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import loyalty, outreach, pacing, rich_menus, surveys, tags
from bot.crm.coupons import CouponError, issue_coupon
from bot.crm.journeys import criteria, links, product_cards
from bot.crm.journeys.definition import PRODUCT_FIELDS, Placed, branch_start
from bot.crm.text import zone
from bot.crm.tiers import tier_name
from bot.events import Button, Outbound
from bot.i18n.formats import local_date
from models import ChannelIdentity, Coupon, Customer, Journey, JourneyEnrollment, JourneyStepRun, Order, Product, StaffTask

_draw = random.SystemRandom()
BUTTON_PREFIX = "journey"  # postback data "journey:<enrollment id>:<answer>"


@dataclass(frozen=True)
class Run:
    session: Session
    settings: Settings
    journey: Journey
    enrollment: JourneyEnrollment
    customer: Customer
    now: datetime

    @property
    def source(self) -> str:
        return f"journey:{self.journey.id}"

    @property
    def key(self) -> str:
        return f"journey:{self.enrollment.id}"


@dataclass(frozen=True)
class Outcome:
    outcome: str  # what the step run records
    next_id: str | None  # the step to run next (None: the journey ends)
    due_at: datetime | None = None  # when the next step is due (None: now)
    wait_event: str | None = None
    outbox_id: int | None = None
    detail: str | None = None
    defer_until: datetime | None = None  # not run now: try the same step again then (quiet hours)
    variant: str | None = None


def run_step(run: Run, placed: Placed) -> Outcome:
    return KINDS[placed.step["kind"]](run, placed)


# --- message ------------------------------------------------------------------------------------

def _message(run: Run, placed: Placed) -> Outcome:
    step = placed.step
    marketing = not step.get("transactional", False)
    if marketing:
        quiet_end = pacing.quiet_until(run.settings, run.now)
        if quiet_end is not None:
            return Outcome("deferred", placed.step["id"], defer_until=quiet_end)
        if pacing.capped(run.session, run.settings, [run.customer.id], run.now):
            return Outcome("withheld_cap", placed.next_id)
    to = _named_channel(run, step.get("channel", "preferred"))
    if to is False or not _reachable(run, marketing, to) or to is True:
        reason = "withheld_consent" if marketing and _reachable(run, False, to) else "unreachable"
        return Outcome(reason, placed.next_id)
    language = run.customer.language or run.settings.app.default_language
    products = _products(run, step["text"], language)
    if products is not None and not products:
        return Outcome("nothing_to_show", placed.next_id)  # a carousel of nothing says nothing
    coupon: Coupon | None = None
    if step.get("coupon"):
        try:
            coupon = issue_coupon(run.session, run.customer.id, step["coupon"], source=run.source,
                                  idempotency_key=f"{run.key}:{step['id']}", now=run.now)
        except CouponError as error:
            return Outcome("failed", placed.next_id, detail=f"coupon: {error.reason}")
    text = render_text(run, step["text"], language, coupon, products or (), step_id=step["id"])
    buttons = tuple(Button(_pick(b["label"], language, run.settings), f"{BUTTON_PREFIX}:{run.enrollment.id}:{b['answer']}",
                           _pick(b["label"], language, run.settings)) for b in step.get("buttons") or [])
    carousel = product_cards.cards(products, language, run.settings.app.default_language) if products else ()
    rows = outreach.queue_to_customer(run.session, run.customer.id, [Outbound(text, quick_replies=buttons, carousel=carousel)],
                                      purpose="marketing" if marketing else "journey", marketing=marketing,
                                      to=to or None)
    if rows is None:
        return Outcome("unreachable", placed.next_id)
    if marketing:
        pacing.record_sends(run.session, [run.customer.id], run.source, run.now)
    return Outcome("sent", placed.next_id, outbox_id=rows[0].id)


def _named_channel(run: Run, channel: str) -> tuple[str, str] | None | bool:
    """(channel, address) for a named channel, None for the preferred one, False when the customer
    has no account on the named channel."""
    if channel == "preferred":
        return None
    address = run.session.scalar(select(ChannelIdentity.platform_user_id).where(
        ChannelIdentity.customer_id == run.customer.id, ChannelIdentity.channel == channel).limit(1))
    return (channel, address) if address else False


def _reachable(run: Run, marketing: bool, to: tuple[str, str] | None | bool) -> bool:
    if to is False:
        return False
    if to is None:
        return outreach.customer_address(run.session, run.customer.id, marketing=marketing) is not None
    assert isinstance(to, tuple)
    return outreach.is_reachable(run.session, *to) and (
        not marketing or outreach.marketing_allowed(run.session, run.customer.id, to[0]))


def _pick(texts: Mapping[str, str], language: str, settings: Settings) -> str:
    return texts[links.language_key(texts, language, settings)]


def _fields(texts: Mapping[str, str], language: str, settings: Settings) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(_pick(texts, language, settings)) if name}


def _products(run: Run, texts: Mapping[str, str], language: str) -> list[Product] | None:
    """The products a text with `{recommendations}` or `{bought_together}` shows (None: it shows none)."""
    wanted = _fields(texts, language, run.settings) & set(PRODUCT_FIELDS)
    if not wanted:
        return None
    if "recommendations" in wanted:
        return product_cards.for_customer(run.session, run.customer)
    order_id = run.enrollment.context.get("order_id")
    return product_cards.bought_together(run.session, int(order_id)) if order_id else []


def render_text(run: Run, texts: Mapping[str, str], language: str, coupon: Coupon | None,
                products: Sequence[Product] = (), step_id: str | None = None) -> str:
    """The text in the customer's language (else the shop's default) with their own fields filled
    in and, for a step's message (`step_id`), its links tracked."""
    wanted = _fields(texts, language, run.settings)
    shown = product_cards.names(products, language, run.settings.app.default_language) if products else ""
    values: dict[str, object] = {
        "name": run.customer.display_name or "",
        "shop": run.settings.shop.name,
        "tier": tier_name(run.settings, run.customer.tier, language) if "tier" in wanted else "",
        "points": loyalty.balance(run.session, run.customer.id) if "points" in wanted else 0,
        "coupon": coupon.code if coupon else "",
        "coupon_expires": local_date(coupon.expires_at, run.settings.app.timezone, language) if coupon else "",
        "recommendations": shown, "bought_together": shown,
    }
    key = links.language_key(texts, language, run.settings)
    body = links.rewrite(run.settings, texts[key], run.enrollment.id, step_id, key) if step_id else texts[key]
    text = body.format_map(values)
    if coupon is not None and "coupon" not in wanted:
        text += f"\n\n{coupon.code}"
    return text


# --- wait ---------------------------------------------------------------------------------------

def _wait(run: Run, placed: Placed) -> Outcome:
    step = placed.step
    if "event" in step:
        return Outcome("waiting", placed.next_id, due_at=run.now + timedelta(hours=step["timeout_hours"]),
                       wait_event=step["event"])
    if "until" in step:
        return Outcome("waiting", placed.next_id, due_at=next_time_of_day(run.settings, run.now, step["until"]))
    delay = timedelta(days=step.get("days", 0), hours=step.get("hours", 0), minutes=step.get("minutes", 0))
    start = run.now
    if step.get("from") == "order" and run.enrollment.context.get("placed_at"):
        start = datetime.fromisoformat(str(run.enrollment.context["placed_at"]))  # a backdated order: maybe due already
    return Outcome("waiting", placed.next_id, due_at=start + delay)


def next_time_of_day(settings: Settings, now: datetime, clock: str) -> datetime:
    """The next moment the shop's clock shows `clock` (HH:MM), today if still ahead, else tomorrow."""
    local = now.astimezone(zone(settings))
    hours, minutes = (int(part) for part in clock.split(":"))
    target = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return target.astimezone(now.tzinfo)


# --- condition and split ------------------------------------------------------------------------

def _condition(run: Run, placed: Placed) -> Outcome:
    key, value = next(iter(placed.step["if"].items()))
    holds = CONDITIONS[key](run, value)
    branch = "yes" if holds else "no"
    return Outcome(branch, branch_start(placed.step, branch, placed.next_id))


def _has_tag(run: Run, name: Any) -> bool:
    return tags.clean_name(str(name)) in (run.customer.tags or [])


def _purchased_since_entry(run: Run, _: Any) -> bool:
    return run.session.scalar(select(Order.id).where(
        Order.customer_id == run.customer.id, Order.amount > 0,
        Order.placed_at >= run.enrollment.entered_at).limit(1)) is not None


def _in_segment(run: Run, wanted: Any) -> bool:
    return run.customer.id in criteria.matching(run.session, dict(wanted), [run.customer.id], run.now)


def _clicked(run: Run, step_id: Any) -> bool:
    """A tracked link clicked since entry: in any message of the journey (true), or in the one named."""
    query = select(JourneyStepRun.id).where(JourneyStepRun.enrollment_id == run.enrollment.id,
                                            JourneyStepRun.clicked_at.is_not(None))
    if step_id is not True:
        query = query.where(JourneyStepRun.step == str(step_id))
    return run.session.scalar(query.limit(1)) is not None


def _event_seen(run: Run, name: Any) -> bool:
    """A signal since entry: a button answered ("answer:<name>"), a link clicked, a custom event."""
    return str(name) in (run.enrollment.context.get("events") or [])


CONDITIONS: dict[str, Callable[[Run, Any], bool]] = {
    "tag": _has_tag, "purchased_since_entry": _purchased_since_entry, "segment": _in_segment, "event": _event_seen,
    "clicked": _clicked}


def _split(run: Run, placed: Placed) -> Outcome:
    variants = placed.step["variants"]
    roll, chosen = _draw.random() * 100, variants[-1]["name"]
    for variant in variants:
        roll -= variant["percent"]
        if roll < 0:
            chosen = variant["name"]
            break
    return Outcome(chosen, branch_start(placed.step, chosen, placed.next_id), variant=chosen)


# --- tag, points, task --------------------------------------------------------------------------

def _tag(run: Run, placed: Placed) -> Outcome:
    step = placed.step
    if "add" in step:
        changed = tags.add_tag(run.session, run.customer, step["add"], source=run.source, now=run.now)
    else:
        changed = tags.remove_tag(run.session, run.customer, step["remove"], source=run.source, now=run.now)
    return Outcome("done" if changed else "unchanged", placed.next_id)


def _points(run: Run, placed: Placed) -> Outcome:
    loyalty.award(run.session, run.customer.id, placed.step["points"], kind="campaign", note=run.source,
                  idempotency_key=f"{run.key}:{placed.step['id']}", now=run.now,
                  valid_days=run.settings.loyalty.points_valid_days)
    return Outcome("done", placed.next_id)


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def _task(run: Run, placed: Placed) -> Outcome:
    step = placed.step
    context = dict(run.enrollment.context)
    who = run.customer.display_name or f"#{run.customer.id}"
    title = step["title"].format_map(_Blank({**context, "name": who}))[:200]
    sent = run.session.scalar(select(JourneyStepRun.id).where(JourneyStepRun.enrollment_id == run.enrollment.id,
                                                              JourneyStepRun.outcome == "sent").limit(1))
    task = StaffTask(kind=step.get("queue", "journey"), customer_id=run.customer.id, created_at=run.now,
                     dedupe_key=f"{run.key}:{step['id']}", title=title,
                     detail={**context, "journey": run.journey.name, "message_sent": sent is not None})
    try:
        with run.session.begin_nested():
            run.session.add(task)
    except IntegrityError:
        return Outcome("unchanged", placed.next_id)
    return Outcome("done", placed.next_id)


def _survey(run: Run, placed: Placed) -> Outcome:
    """The post-purchase satisfaction question, with its one-per-window rule (bot.crm.surveys).
    When it is asked, "survey_sent" is remembered, so a later condition can follow up on it."""
    order_id = run.enrollment.context.get("order_id")
    survey = surveys.schedule_post_purchase_survey(run.session, int(order_id), run.now) if order_id else None
    if survey is None:
        return Outcome("unchanged", placed.next_id, detail="no purchase to ask about")
    if survey.status != "scheduled":  # no reachable chat ("no_channel"), or asked already
        return Outcome(survey.status if survey.status != "sent" else "unchanged", placed.next_id)
    outcome = surveys.send_survey(run.session, run.settings, survey, run.now)
    if outcome == "sent":
        seen = list(run.enrollment.context.get("events") or [])
        run.enrollment.context = {**run.enrollment.context, "events": [*seen, "survey_sent"]}
    return Outcome(outcome, placed.next_id)


def _rich_menu(run: Run, placed: Placed) -> Outcome:
    """Switch the customer's LINE rich menu (a member's menu after the first purchase, say): pinned
    to them, so it outranks their segment's and tier's menus, and a link request queued in this
    transaction (`line_tasks`), made by the worker after it."""
    menu = rich_menus.published_menu(run.session, placed.step["menu"])
    if menu is None:
        return Outcome("failed", placed.next_id, detail=f"rich menu {placed.step['menu']!r} is not published")
    linked = rich_menus.pin_customer(run.session, menu, run.customer.id, f"journey:{run.enrollment.journey_id}", run.now)
    return Outcome("done" if linked else "unreachable", placed.next_id)


KINDS: dict[str, Callable[[Run, Placed], Outcome]] = {
    "message": _message, "wait": _wait, "condition": _condition, "split": _split, "tag": _tag, "points": _points,
    "task": _task, "survey": _survey, "rich_menu": _rich_menu}
