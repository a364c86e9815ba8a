"""Points for tills: spend them (a discount paid in points), atomic and idempotent."""

from __future__ import annotations

from flask import request

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint, idempotent, json_body
from bot.api.customers_routes import customer_ref, resolve_customer
from bot.api.errors import invalid
from bot.crm import loyalty
from bot.crm.rewards import RewardError, spend_points
from models import utcnow

FIELDS = {"customer", "points", "note", "idempotency_key"}
MAX_POINTS = 10_000_000


@api.post("/points/spend")
@endpoint("points:spend")
def spend(call: Call) -> Result:
    """409 `insufficient_points` (with the balance) when the customer has fewer points than asked;
    the same request again (same idempotency key) returns the first answer and spends once."""
    body, key = check.keyed_body(json_body(), FIELDS, request.headers.get("Idempotency-Key"))
    ref = customer_ref(body.get("customer"))
    points = check.positive_int(body, "points", required=True)
    assert points is not None  # required
    if points > MAX_POINTS:
        raise invalid("points", f"must be at most {MAX_POINTS}")
    note = check.text(body, "note", max_length=200) or f"spent at {call.key.name}"

    def work() -> Result:
        customer = resolve_customer(call.session, ref)
        try:
            entry = spend_points(call.session, customer.id, points, note=note,
                                 idempotency_key=f"api:{call.key.id}:{key}", now=utcnow())
        except RewardError as exc:
            return 409, {"error": exc.reason, "message": str(exc), "customer_id": customer.id,
                         "balance": loyalty.balance(call.session, customer.id)}
        return 200, {"spent": points, "customer_id": customer.id, "entry_id": entry.id if entry else None,
                     "balance": loyalty.balance(call.session, customer.id)}

    return idempotent(call, "points/spend", key, body, work)
