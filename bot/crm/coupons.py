"""Coupons: templates from config, issuing with unguessable codes, atomic redemption, listing.

Why these shapes:
- Issuing is idempotent on a key (by default customer + template + source), so "the welcome
  coupon exactly once per customer, whatever the retries" is a property of the data, not of the
  caller's care. The customer's row is locked while the per-customer limit is checked, so two
  concurrent issues cannot both slip under it.
- Redemption is one conditional UPDATE of the use counter inside a savepoint, plus a redemption
  row whose (coupon, request key) is unique: two tills racing for a single-use code cannot both
  win, and the same request sent twice is answered with the first result.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.value.promotions import coupon_withheld
from models import Coupon, CouponRedemption, CouponTemplate, Customer, utcnow
from models.db import conflict_insert

# 31 characters nobody misreads or mistypes: no 0/O, no 1/I/L. 31**10 is about 2**49.5.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
STATUSES = ("active", "used", "expired", "void")
log = logging.getLogger(__name__)


class CouponError(Exception):
    """A coupon operation that cannot be done; `reason` is a stable word for APIs and tests."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# Random bytes below 248 (= 8 x 31) map evenly onto the alphabet; the others are dropped.
_EVEN_BYTES = 8 * len(CODE_ALPHABET)
_BYTE_TO_CHAR = bytes(ord(CODE_ALPHABET[b % len(CODE_ALPHABET)]) if b < _EVEN_BYTES else 0 for b in range(256))
_UNEVEN_BYTES = bytes(range(_EVEN_BYTES, 256))


def new_code() -> str:
    return new_codes(1)[0]


def new_codes(count: int) -> list[str]:
    """`count` random codes, without bias. Why bytes and translate: a broadcast issues up to 100,000
    codes at once, and a character at a time through `secrets.choice` costs seconds of it."""
    chars = ""
    while len(chars) < count * CODE_LENGTH:
        chars += secrets.token_bytes(count * CODE_LENGTH * 9 // 8 + 16).translate(_BYTE_TO_CHAR, _UNEVEN_BYTES).decode("ascii")
    return [chars[i:i + CODE_LENGTH] for i in range(0, count * CODE_LENGTH, CODE_LENGTH)]


def normalize_code(text: str) -> str:
    """What a person typed, as we store it: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -_\u3000")


def looks_like_code(text: str) -> bool:
    code = normalize_code(text)
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def sync_templates(session: Session, settings: Settings) -> None:
    """Make the database's templates match `[[coupon_templates]]`: insert or update each by code
    (one upsert, safe when many processes start at once) and retire config templates that left it.

    A template an admin saved in the console (origin 'console') is the console's: neither the upsert
    nor the retiring touches it, else an edit would silently vanish at the next start. Config's entry
    for such a code is ignored, and the log says so once per start."""
    rows = [
        {"code": t.code, "kind": t.kind, "value": Decimal(str(t.value)), "name": dict(t.name), "item": dict(t.item),
         "validity_days": t.validity_days, "max_uses": t.max_uses, "per_customer_limit": t.per_customer_limit,
         "active": True, "origin": "config", "created_at": utcnow(), "updated_at": utcnow()}
        for t in settings.coupon_templates
    ]
    config_codes = [t.code for t in settings.coupon_templates]
    if rows:
        statement = conflict_insert(session)(CouponTemplate).values(rows)
        changing = ("kind", "value", "name", "item", "validity_days", "max_uses", "per_customer_limit", "active", "updated_at")
        session.execute(statement.on_conflict_do_update(
            index_elements=["code"], set_={name: getattr(statement.excluded, name) for name in changing},
            where=CouponTemplate.origin == "config"))
        owned = sorted(session.scalars(select(CouponTemplate.code).where(
            CouponTemplate.origin != "config", CouponTemplate.code.in_(config_codes))))
        if owned:
            log.warning("config.toml's [[coupon_templates]] entries for %s are ignored: the console owns these templates",
                        ", ".join(owned))
    session.execute(update(CouponTemplate).where(
        CouponTemplate.origin == "config", CouponTemplate.code.not_in(config_codes))
        .values(active=False))


def issue_coupon(session: Session, customer_id: int, template_code: str, *, source: str,
                 idempotency_key: str | None = None, now: datetime | None = None) -> Coupon:
    """Issue one coupon of a template to a customer, or return the one this key already issued.

    Raises CouponError("unknown_template" | "unknown_customer" | "limit_reached" | "withheld");
    "withheld": a promotional coupon for a customer in a cluster the shop stopped promoting to
    (`bot.crm.value.promotions`: service-recovery and earned coupons still go).
    """
    now = now or utcnow()
    key = idempotency_key or f"{customer_id}:{template_code}:{source}"
    template = session.scalar(select(CouponTemplate).where(CouponTemplate.code == template_code))
    if template is None or not template.active:
        raise CouponError("unknown_template", f"no active coupon template {template_code!r}")
    # The lock makes concurrent issues to one customer queue here; the checks below then see
    # whatever the one before committed.
    if session.scalar(select(Customer.id).where(Customer.id == customer_id).with_for_update()) is None:
        raise CouponError("unknown_customer", f"no customer {customer_id}")
    existing = session.scalar(select(Coupon).where(Coupon.idempotency_key == key))
    if existing is not None:
        if existing.customer_id != customer_id:
            raise CouponError("key_conflict", "this idempotency key was used for another customer")
        return existing
    if coupon_withheld(session, customer_id, source):
        raise CouponError("withheld", "no promotional coupons for this customer's cluster (strategy: abandon)")
    if template.per_customer_limit:
        held = session.scalar(select(func.count()).select_from(Coupon).where(
            Coupon.customer_id == customer_id, Coupon.template_id == template.id))
        assert held is not None  # COUNT always has its row
        if held >= template.per_customer_limit:
            raise CouponError("limit_reached", f"customer already holds {held} of {template_code}")
    for _ in range(5):  # a code collision is astronomically rare; retry with a fresh code
        coupon = Coupon(code=new_code(), template=template, customer_id=customer_id, kind=template.kind,
                        value=template.value, source=source[:100], idempotency_key=key, issued_at=now,
                        expires_at=now + timedelta(days=template.validity_days), max_uses=template.max_uses, uses=0)
        try:
            with session.begin_nested():
                session.add(coupon)
        except IntegrityError:
            twin = session.scalar(select(Coupon).where(Coupon.idempotency_key == key))
            if twin is not None:
                return twin
            continue
        return coupon
    raise RuntimeError("could not find a free coupon code in 5 tries")  # pragma: no cover


def status(coupon: Coupon, now: datetime) -> str:
    if coupon.voided_at is not None:
        return "void"
    if coupon.uses >= coupon.max_uses:
        return "used"
    if coupon.expires_at <= now:
        return "expired"
    return "active"


def find(session: Session, code: str) -> Coupon | None:
    return session.scalar(select(Coupon).where(Coupon.code == normalize_code(code)))


@dataclass(frozen=True)
class Redemption:
    coupon: Coupon
    redemption: CouponRedemption
    replay: bool


def redeem(session: Session, code: str, *, request_key: str, redeemed_by: str, order_ref: str | None = None,
           customer_id: int | None = None, now: datetime | None = None) -> Redemption:
    """Use a coupon once. The same `request_key` again returns the first redemption (replay=True).

    Raises CouponError("not_found" | "wrong_customer" | "used" | "expired" | "void").
    """
    now = now or utcnow()
    coupon = find(session, code)
    if coupon is None:
        raise CouponError("not_found", "no coupon with this code")
    if customer_id is not None and coupon.customer_id != customer_id:
        raise CouponError("wrong_customer", "this coupon belongs to another customer")
    prior = _prior(session, coupon.id, request_key)
    if prior is not None:
        return Redemption(coupon, prior, replay=True)
    try:
        with session.begin_nested():
            taken = cast("CursorResult[Any]", session.execute(
                update(Coupon).where(Coupon.id == coupon.id, Coupon.uses < Coupon.max_uses,
                                     Coupon.expires_at > now, Coupon.voided_at.is_(None))
                .values(uses=Coupon.uses + 1).execution_options(synchronize_session=False)))
            if taken.rowcount != 1:
                raise _NotTaken
            redemption = CouponRedemption(coupon_id=coupon.id, request_key=request_key, order_ref=order_ref,
                                          redeemed_by=redeemed_by[:100], redeemed_at=now)
            session.add(redemption)
    except (_NotTaken, IntegrityError):
        # Either the coupon was used up (perhaps by a twin of this very request) or the twin's
        # redemption row got there first: a twin's success is ours to report.
        prior = _prior(session, coupon.id, request_key)
        session.refresh(coupon)
        if prior is not None:
            return Redemption(coupon, prior, replay=True)
        reason = status(coupon, now)
        raise CouponError(reason if reason != "active" else "used", _REFUSALS.get(reason, _REFUSALS["used"])) from None
    session.refresh(coupon)
    return Redemption(coupon, redemption, replay=False)


class _NotTaken(Exception):
    pass


_REFUSALS = {
    "used": "this coupon has already been used",
    "expired": "this coupon has expired",
    "void": "this coupon was cancelled",
}


def _prior(session: Session, coupon_id: int, request_key: str) -> CouponRedemption | None:
    return session.scalar(select(CouponRedemption).where(
        CouponRedemption.coupon_id == coupon_id, CouponRedemption.request_key == request_key))


def customer_coupons(session: Session, customer_id: int, now: datetime, limit: int) -> tuple[Sequence[Coupon], int]:
    """The coupons worth showing first (usable ones, soonest to expire), then the most recent
    others; and how many more exist beyond `limit`."""
    usable = (Coupon.customer_id == customer_id, Coupon.voided_at.is_(None), Coupon.uses < Coupon.max_uses,
              Coupon.expires_at > now)
    active = list(session.scalars(select(Coupon).where(*usable).order_by(Coupon.expires_at, Coupon.id).limit(limit)))
    active_ids = [c.id for c in active]
    others = list(session.scalars(
        select(Coupon).where(Coupon.customer_id == customer_id, Coupon.id.not_in(active_ids) if active_ids else true())
        .order_by(Coupon.issued_at.desc(), Coupon.id.desc()).limit(max(limit - len(active), 0))))
    total = session.scalar(select(func.count()).select_from(Coupon).where(Coupon.customer_id == customer_id)) or 0
    shown = active + others
    return shown, total - len(shown)
