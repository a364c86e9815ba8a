"""`POST /api/v1/events`: the shop reports something a customer did (an abandoned cart, a visit to
the store, a product viewed); journeys that start from that event's name enter the customer, and
journeys waiting for it move on.

Why idempotent like orders: a shop system retries on a timeout; the same key must not enter a
customer into a journey twice. The event is also keyed into the journey's entry, so a re-entry
policy of "every time" still enters once per reported event.
"""

from __future__ import annotations

import re
import unicodedata
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
RESERVED = {"name", "key"}  # the event's own name and idempotency key travel with its properties
MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON reader (JavaScript too) reads exactly


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
    """At most 20 properties, each a string (at most 200, no control characters), a number (an
    integer within +-2**53, a reader in JavaScript reads it exactly) or a boolean; "name" and "key"
    are the event's own and refused rather than silently overwritten."""
    if not isinstance(raw, Mapping):
        raise invalid("properties", "must be an object of names to strings, numbers or booleans")
    if len(raw) > MAX_PROPERTIES:
        raise invalid("properties", f"at most {MAX_PROPERTIES} properties")
    for name, value in raw.items():
        if not NAME.fullmatch(str(name)):
            raise invalid("properties", f"property names are letters, digits, _ or - (at most 60); {str(name)[:60]!r} is not")
        path = f"properties.{name}"
        if name in RESERVED:
            raise invalid(path, f"{name!r} is the event's own; give the property another name")
        if isinstance(value, str) and len(value) > 200:
            raise invalid(path, "at most 200 characters")
        if isinstance(value, str) and any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in value):
            raise invalid(path, "must not contain control characters (other than tab and newline)")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
            raise invalid(path, f"an integer from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}; send a larger one as a string")
        if not isinstance(value, str | int | float | bool):
            raise invalid(path, "must be a string, a number or a boolean")
    return dict(raw)
