"""Staff actions on a customer's coupons and points: redeem a coupon by hand at the counter, and
adjust points with a reason. Both go through the same code as the shop API (bot/crm/coupons.py,
bot/crm/loyalty.py), so a till and the console cannot both use a single-use code."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request
from sqlalchemy.exc import IntegrityError

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.i18n import ngettext
from bot.console.staff_views import _back, customer_page
from bot.console.views import form_text, reading, writing
from bot.crm import coupons, loyalty
from models import Conversation, Customer

commerce = Blueprint("commerce", __name__)

MAX_ADJUSTMENT = 100_000
REASON_LENGTH = 120
REDEEM_ERRORS = {
    "not_found": "No coupon with this code.",
    "wrong_customer": "This coupon belongs to another customer.",
    "used": "This coupon has already been used.",
    "expired": "This coupon has expired.",
    "void": "This coupon was cancelled.",
}


@commerce.post("/customers/<int:customer_id>/coupons/redeem")
@security.allow("purchases")
def redeem(customer_id: int) -> Any:
    code = form_text("coupon_code", 40)
    key = form_text("request_key", 100)
    if not code:
        return _refused(customer_id, "coupon_code", _("Type the coupon code."))
    if not key:
        return _refused(customer_id, "coupon_code", _("The form has expired; reload the page and try again."))
    try:
        with writing() as db:
            if db.get(Customer, customer_id) is None:
                abort(404, "no such customer")
            done = coupons.redeem(db, code, request_key=f"console:{key}", redeemed_by=f"console:{g.user.email}", customer_id=customer_id)
            redeemed = done.coupon.code
    except coupons.CouponError as exc:
        return _refused(customer_id, "coupon_code", _(REDEEM_ERRORS.get(exc.reason, "This coupon cannot be used.")))
    flash(_("Coupon {code} was already redeemed by this form.", code=redeemed) if done.replay else _("Coupon {code} redeemed.", code=redeemed))
    return redirect(_back(customer_id, request.form.get("conversation_id", type=int)))


@commerce.post("/customers/<int:customer_id>/points")
@security.allow("purchases")
def adjust_points(customer_id: int) -> Any:
    reason = form_text("reason_points", 1000)
    raw = form_text("points", 20)
    try:
        points = int(raw)
    except ValueError:
        return _refused(customer_id, "points", _("Give a whole number of points, e.g. 50 or -20."))
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        return _refused(customer_id, "points", _("Give a non-zero number of points up to {limit}.", limit=MAX_ADJUSTMENT))
    if not reason:
        return _refused(customer_id, "reason_points", _("Say why the points change."))
    if len(reason) > REASON_LENGTH:
        return _refused(customer_id, "reason_points", ngettext("At most {count} character.", "At most {count} characters.", REASON_LENGTH,
                                                                    count=REASON_LENGTH))
    key = form_text("request_key", 100)
    try:
        with writing() as db:
            if db.get(Customer, customer_id) is None:
                abort(404, "no such customer")
            loyalty.adjust(db, customer_id, points, note=f"{reason} ({g.user.email})",
                           idempotency_key=f"console-adjust:{key}" if key else None)
    except loyalty.PointsError as exc:
        if exc.reason != "insufficient":
            raise
        with reading() as db:
            available = loyalty.balance(db, customer_id)
        return _refused(customer_id, "points", ngettext(
            "The balance is {points} point; it cannot go below zero.", "The balance is {points} points; it cannot go below zero.",
            available, points=available))
    except IntegrityError:  # the customer was erased while the form was open
        abort(404, "no such customer")
    flash(_("Points adjusted by {points}.", points=f"{points:+d}"))
    return redirect(_back(customer_id, request.form.get("conversation_id", type=int)))


def _refused(customer_id: int, field: str, message: str) -> Any:
    conversation_id = request.form.get("conversation_id", type=int)
    with reading() as db:
        if db.get(Customer, customer_id) is None:
            abort(404, "no such customer")
        found = db.get(Conversation, conversation_id) if conversation_id else None
    return customer_page(customer_id, found, {field: message}, 400)
