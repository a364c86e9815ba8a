"""The commerce side of a customer's profile in the console (points ledger, stamp card, tier,
coupons) and the recovery coupon staff may give when they resolve a complaint."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.base import current_language
from bot.console.i18n import gettext as _
from bot.console.i18n import ngettext
from bot.console.labels import ledger_note
from bot.console.views import runtime
from bot.crm import coupons, loyalty, outreach, tiers
from bot.events import Outbound
from bot.i18n import pick
from bot.i18n.commerce import gives, local_date, say
from models import Coupon, CouponTemplate, Customer, PointsEntry, utcnow
from models.loyalty import POINT_KINDS

LEDGER_LINES = 8
# the words of a coupon's status and a ledger entry's kind, as the console shows them (translated in locales/zh_TW/LC_MESSAGES/console.po)
COUPON_STATUS = {"active": "usable", "used": "used", "expired": "expired", "void": "void"}
POINT_KIND_WORDS = POINT_KINDS
COUPON_LINES = 10


@dataclass(frozen=True)
class ProfilePanel:
    """A titled list of lines shown beside the conversation (coupons, points, appointments...)."""

    title: str
    lines: Sequence[str] = field(default_factory=tuple)


PANEL_TITLES = ("Points and ledger", "Coupons")


def profile_panels(session: Session, customer: Customer) -> list[ProfilePanel]:
    """The loyalty and coupon panels of the customer profile: the ledger explains the balance, the
    coupons list says which codes the customer can still use. Lines are plain text: the template escapes them."""
    settings = runtime().settings
    now = utcnow()
    balance = loyalty.balance(session, customer.id)
    points = [ngettext("Balance: {points} point", "Balance: {points} points", balance, points=balance)]
    entries = session.scalars(select(PointsEntry).where(PointsEntry.customer_id == customer.id)
                              .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()).limit(LEDGER_LINES))
    points += [_ledger_line(e) for e in entries]
    tier_name = tiers.tier_name(settings, customer.tier, current_language())
    if tier_name:
        points.append(_("Tier: {name}", name=tier_name))
    size = settings.loyalty.stamp_card_size
    filled, card = loyalty.card_state(loyalty.stamp_count(session, customer.id), size)
    points.append(_("Stamp card: {card} ({filled}/{size})", card=card, filled=filled, size=size))
    shown, more = coupons.customer_coupons(session, customer.id, now, COUPON_LINES)
    language = current_language()
    coupon_lines = [_("{code} · {template} · {status} · expires {date}", code=c.code,
                      template=pick(c.template.name, language, settings.app.default_language) or c.template.code,
                      status=_(COUPON_STATUS[coupons.status(c, now)]), date=f"{c.expires_at:%Y-%m-%d}") for c in shown]
    if more:
        coupon_lines.append(_("(+{count} more)", count=more))
    return [ProfilePanel(PANEL_TITLES[0], points), ProfilePanel(PANEL_TITLES[1], coupon_lines or ["—"])]


def _ledger_line(entry: PointsEntry) -> str:
    """"2026-03-03 消費累積 +50 · 訂單 #7": the kind in words, the order it came from, the note in words."""
    note = ledger_note(entry.note)
    extra = [_("order #{id}", id=entry.order_id)] if entry.order_id and entry.kind in ("earn", "refund") else []
    extra += [note] if note else []
    return f"{entry.created_at:%Y-%m-%d} {_(entry.kind)} {entry.points:+d}" + "".join(f" · {part}" for part in extra)


def tier_gift_line(session: Session, coupon: Coupon) -> str:
    """What staff are told when a purchase moved the customer up a tier and the tier's gift coupon
    was issued (the customer got it in the chat; the person at the till should know too)."""
    settings = runtime().settings
    customer = session.get(Customer, coupon.customer_id)
    language = current_language()
    return _("The customer moved up to {tier}: gift coupon {code} ({coupon}) issued, valid until {date}.",
             tier=tiers.tier_name(settings, customer.tier if customer else None, language), code=coupon.code,
             coupon=pick(coupon.template.name, language, settings.app.default_language) or coupon.template.code,
             date=local_date(coupon.expires_at, settings.app.timezone))


@dataclass(frozen=True)
class RecoveryCoupon:
    """A coupon template staff may give when resolving a complaint (an apology coupon)."""

    code: str
    label: str


def recovery_coupon_templates() -> list[RecoveryCoupon]:
    """The templates offered as a recovery action when a ticket is resolved: every active template
    (the template model has no "for recovery" flag)."""
    with runtime().sessions() as session:
        templates = session.scalars(select(CouponTemplate).where(CouponTemplate.active.is_(True)).order_by(CouponTemplate.code))
        default = runtime().settings.app.default_language
        return [RecoveryCoupon(t.code, f"{t.name.get(default) or t.code} ({t.code})") for t in templates]


def issue_recovery_coupon(session: Session, customer_id: int | None, template_code: str) -> Coupon:
    """Issue the chosen recovery coupon to the ticket's customer and tell them its code in their
    language. A forged or retired template code raises LookupError, so nothing pretends a coupon was given."""
    settings = runtime().settings
    if customer_id is None:  # a ticket without a customer: as issue_coupon's "unknown_customer"
        raise LookupError(f"cannot issue recovery coupon {template_code!r}: no customer {customer_id}")
    try:
        coupon = coupons.issue_coupon(session, customer_id, template_code, source=f"recovery:{uuid.uuid4().hex}")
    except coupons.CouponError as exc:
        raise LookupError(f"cannot issue recovery coupon {template_code!r}: {exc}") from None
    customer = session.get(Customer, customer_id)
    language = customer.language if customer else settings.app.default_language
    line = say("recovery_coupon_issued", language, code=coupon.code, expiry=local_date(coupon.expires_at, settings.app.timezone),
               gives=gives(coupon.kind, coupon.value, coupon.template.item, language, settings.app.default_language))
    outreach.send_to_customer(session, customer_id, [Outbound(line)], purpose="transactional", marketing=False)
    return coupon
