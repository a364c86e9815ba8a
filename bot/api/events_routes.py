"""`POST /api/v1/events`: the shop reports something a customer did (an abandoned cart, a visit to
the store, a product viewed); journeys that start from that event's name enter the customer, and
journeys waiting for it move on.

Why idempotent like orders: a shop system retries on a timeout; the same key must not enter a
customer into a journey twice. The event is also keyed into the journey's entry, so a re-entry
policy of "every time" still enters once per reported event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy import func, select

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint, idempotent, json_body
from bot.api.customers_routes import customer_ref, resolve_customer
from bot.api.errors import invalid
from bot.crm import hooks
from models import JourneyEnrollment, utcnow

FIELDS = {"customer", "name", "properties", "idempotency_key"}
NAME = re.compile(r"[A-Za-z0-9_-]{1,60}")
MAX_PROPERTIES = 20


@api.post("/events")
@endpoint("events:write")
def post_event(call: Call) -> Result:
    body, key = check.keyed_body(json_body(), FIELDS, request.headers.get("Idempotency-Key"))
    ref = customer_ref(body.get("customer"))
    name = check.text(body, "name", required=True, max_length=60) or ""
    if not NAME.fullmatch(name):
        raise invalid("name", "letters, digits, _ or - (at most 60), e.g. cart_abandoned")
    properties = _properties(body.get("properties", {}))

    def work() -> Result:
        now = utcnow()
        customer = resolve_customer(call.session, ref)
        hooks.signal(call.session, customer.id, "event",
                     {**properties, "name": name, "key": f"api:{call.key.id}:{key}"}, now)
        entered = call.session.scalar(select(func.count()).select_from(JourneyEnrollment).where(
            JourneyEnrollment.customer_id == customer.id, JourneyEnrollment.entered_at == now)) or 0
        return 202, {"event": name, "customer": {"id": customer.id}, "journeys_entered": entered}

    return idempotent(call, "events", key, body, work)


def _properties(raw: Any) -> dict[str, Any]:
    """At most 20 properties, each a string (at most 200), a number or a boolean."""
    if not isinstance(raw, Mapping):
        raise invalid("properties", "must be an object of names to strings, numbers or booleans")
    if len(raw) > MAX_PROPERTIES:
        raise invalid("properties", f"at most {MAX_PROPERTIES} properties")
    for name, value in raw.items():
        if not NAME.fullmatch(str(name)):
            raise invalid(f"properties.{name}", "a property name is letters, digits, _ or - (at most 60)")
        if isinstance(value, str) and len(value) > 200:
            raise invalid(f"properties.{name}", "at most 200 characters")
        if not isinstance(value, str | int | float | bool):
            raise invalid(f"properties.{name}", "must be a string, a number or a boolean")
    return dict(raw)
