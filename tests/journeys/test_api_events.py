"""`POST /api/v1/events` over real HTTP: a custom event starts a journey, once per idempotency key."""

from __future__ import annotations

import requests

from models import JourneyEnrollment
from tests.commerce import api_key
from tests.journeys.helpers import count, customer, journey, message


def post(server, key, body, idempotency=None):
    headers = {"Authorization": f"Bearer {key}", **({"Idempotency-Key": idempotency} if idempotency else {})}
    return requests.post(f"{server}/api/v1/events", json=body, headers=headers, timeout=10)


def test_a_shop_event_enters_the_journey_once_per_key(runtime, server):
    jid = journey(runtime, {"name": "cart", "trigger": {"kind": "event", "name": "cart_abandoned"}, "reentry": "every",
                            "steps": [message("m", "你的購物車還有書喔")]})
    cid = customer(runtime, "Ucart")
    key = api_key(runtime, "eshop")
    body = {"customer": {"id": cid}, "name": "cart_abandoned", "properties": {"items": 2, "total": 680.5}}
    first = post(server, key, body, "evt-1")
    assert first.status_code == 202, first.text
    assert first.json() == {"event": "cart_abandoned", "customer": {"id": cid}, "journeys_entered": 1}
    again = post(server, key, body, "evt-1")
    assert again.status_code == 202 and again.json() == first.json()
    assert count(runtime, JourneyEnrollment, JourneyEnrollment.journey_id == jid) == 1
    assert post(server, key, body, "evt-2").json()["journeys_entered"] == 1  # "every time": a new event enters again
    assert count(runtime, JourneyEnrollment, JourneyEnrollment.journey_id == jid) == 2
    other = post(server, key, {**body, "name": "viewed"}, "evt-3")
    assert other.status_code == 202 and other.json()["journeys_entered"] == 0


def test_bad_events_are_refused_naming_the_field_and_roles_are_checked(runtime, server):
    cid = customer(runtime, "Ubad")
    key = api_key(runtime, "pos")
    bad_name = post(server, key, {"customer": {"id": cid}, "name": "no spaces"}, "k1")
    assert bad_name.status_code == 422 and bad_name.json()["field"] == "name"
    bad_property = post(server, key, {"customer": {"id": cid}, "name": "ok", "properties": {"list": [1]}}, "k2")
    assert bad_property.status_code == 422 and bad_property.json()["field"] == "properties.list"
    unknown = post(server, key, {"customer": {"id": 999999}, "name": "ok"}, "k3")
    assert unknown.status_code == 404
    readonly = post(server, api_key(runtime, "readonly"), {"customer": {"id": cid}, "name": "ok"}, "k4")
    assert readonly.status_code == 403
    assert post(server, "nope", {"customer": {"id": cid}, "name": "ok"}, "k5").status_code == 401
