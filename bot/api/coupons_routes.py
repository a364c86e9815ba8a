"""Coupons for tills: look one up, redeem one (atomic, idempotent)."""

from __future__ import annotations

from flask import request

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint, idempotent, json_body
from bot.api.errors import ApiError, invalid
from bot.api.serialize import coupon_json, iso
from bot.crm import coupons
from bot.safe_text import has_unstorable
from models import utcnow

FIELDS = {"code", "idempotency_key", "order_ref", "customer_id"}
# Refusals a till must show the cashier; each is an answer (stored for replays), not a bad request.
REFUSALS = {"used": "coupon_used", "expired": "coupon_expired", "void": "coupon_void", "wrong_customer": "coupon_wrong_customer"}


def _code(value: str | None, field: str) -> str:
    code = coupons.normalize_code((value or "")[:100])
    if not code or len(value or "") > 100 or len(code) > 32 or not code.isalnum() or has_unstorable(code):
        raise invalid(field, f"must be a coupon code of {coupons.CODE_LENGTH} letters and digits")
    return code


@api.get("/coupons/<code>")
@endpoint("read")
def get_coupon(call: Call, code: str) -> Result:
    coupon = coupons.find(call.session, _code(code, "code"))
    if coupon is None:
        raise ApiError(404, "coupon_not_found", "no coupon with this code", field="code")
    return 200, coupon_json(coupon, utcnow())


@api.post("/coupons/redeem")
@endpoint("coupons:redeem")
def redeem_coupon(call: Call) -> Result:
    body, key = check.keyed_body(json_body(), FIELDS, request.headers.get("Idempotency-Key"))
    code = _code(check.text(body, "code", required=True, max_length=40), "code")
    order_ref = check.text(body, "order_ref", max_length=100)
    customer_id = check.positive_int(body, "customer_id")

    def work() -> Result:
        now = utcnow()
        try:
            done = coupons.redeem(call.session, code, request_key=f"api:{call.key.id}:{key}", redeemed_by=f"api:{call.key.name}",
                                  order_ref=order_ref, customer_id=customer_id, now=now)
        except coupons.CouponError as exc:
            if exc.reason == "not_found":
                raise ApiError(404, "coupon_not_found", "no coupon with this code", field="code") from exc
            coupon = coupons.find(call.session, code)
            return 409, {"error": REFUSALS.get(exc.reason, exc.reason), "message": str(exc),
                         "coupon": coupon_json(coupon, now) if coupon else None}
        return 200, {"redeemed": True, "coupon": coupon_json(done.coupon, now),
                     "redemption": {"id": done.redemption.id, "redeemed_at": iso(done.redemption.redeemed_at),
                                    "order_ref": done.redemption.order_ref}}

    return idempotent(call, "coupons/redeem", key, body, work)
