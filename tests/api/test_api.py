"""The shop API over real HTTP: keys and roles, bodies that are wrong (422 naming the field),
orders with their effects, idempotent replays, coupon redemption, customer look-ups, the spec."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bot.api.blueprint import SPEC_PATH
from bot.app import create_app
from bot.cli.accounts import apikey_add, apikey_list, apikey_revoke
from bot.crm import hooks
from bot.crm.coupons import issue_coupon
from models import ApiKey, Customer, Order, PointsEntry
from tests.commerce import add_customer, api_key, followed_customer, pushed_texts

ROOT = Path(__file__).resolve().parents[2]


class Api:
    def __init__(self, base: str, key: str | None) -> None:
        self.base, self.key = f"{base}/api/v1", key

    def headers(self, **extra: str) -> dict[str, str]:
        return {**({"Authorization": f"Bearer {self.key}"} if self.key else {}), **extra}

    def get(self, path: str, **params: str) -> requests.Response:
        return requests.get(self.base + path, params=params, headers=self.headers(), timeout=30)

    def post(self, path: str, body: object, **headers: str) -> requests.Response:
        return requests.post(self.base + path, json=body, headers=self.headers(**headers), timeout=30)


@pytest.fixture
def pos(server, runtime) -> Api:
    return Api(server, api_key(runtime, "pos"))


def order_body(customer: dict, amount=1200, key="till-1-0001", **extra) -> dict:
    return {"customer": customer, "amount": amount, "idempotency_key": key,
            "items": [{"sku": "B-978", "name": "海邊的卡夫卡", "quantity": 2, "unit_price": 600}], **extra}


def test_keys_and_roles(server, runtime):
    readonly = Api(server, api_key(runtime, "readonly"))
    customer = add_customer(runtime)
    for bad in (Api(server, None), Api(server, "crm_deadbeef_not-a-key"), Api(server, "garbage")):
        response = bad.get(f"/customers/{customer}")
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert readonly.get(f"/customers/{customer}").status_code == 200
    forbidden = readonly.post("/orders", order_body({"id": customer}))
    assert forbidden.status_code == 403 and "readonly" in forbidden.json()["message"]
    assert readonly.post("/coupons/redeem", {"code": "AAAAAAAAAA", "idempotency_key": "x"}).status_code == 403
    with runtime.sessions.begin() as session:
        session.scalar(select(ApiKey).where(ApiKey.role == "readonly")).revoked_at = func.now()
    assert readonly.get(f"/customers/{customer}").status_code == 401
    x_api_key = requests.get(f"{server}/api/v1/customers/{customer}", headers={"X-API-Key": api_key(runtime, "eshop")}, timeout=10)
    assert x_api_key.status_code == 200


BAD_ORDER_BODIES = [
    ([1, 2], "body"),
    ({"amount": 5, "idempotency_key": "k"}, "customer"),
    ({"customer": {"id": 1, "email": "a@b.co"}, "amount": 5, "idempotency_key": "k"}, "customer"),
    ({"customer": {"email": "not-an-email"}, "amount": 5, "idempotency_key": "k"}, "customer.email"),
    ({"customer": {"phone": "call me"}, "amount": 5, "idempotency_key": "k"}, "customer.phone"),
    ({"customer": {"channel": "line"}, "amount": 5, "idempotency_key": "k"}, "customer.user_id"),
    ({"customer": {"id": "7"}, "amount": 5, "idempotency_key": "k"}, "customer.id"),
    ({"customer": {"id": 1, "name": "x"}, "amount": 5, "idempotency_key": "k"}, "customer.name"),
    ({"customer": {"id": 1}, "idempotency_key": "k"}, "amount"),
    ({"customer": {"id": 1}, "amount": "lots", "idempotency_key": "k"}, "amount"),
    ({"customer": {"id": 1}, "amount": 0, "idempotency_key": "k"}, "amount"),
    ({"customer": {"id": 1}, "amount": 1.234, "idempotency_key": "k"}, "amount"),
    ({"customer": {"id": 1}, "amount": True, "idempotency_key": "k"}, "amount"),
    ({"customer": {"id": 1}, "amount": 5}, "idempotency_key"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "has space"}, "idempotency_key"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "items": {"sku": 1}}, "items"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "items": [{"quantity": 1}]}, "items[0]"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "items": [{"sku": "a"}, {"sku": "b", "quantity": 0}]},
     "items[1].quantity"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "items": [{"sku": "a", "unit_price": -1}]}, "items[0].unit_price"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "placed_at": "2026-11-24T10:00:00"}, "placed_at"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "placed_at": "yesterday"}, "placed_at"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "placed_at": "2999-01-01T00:00:00Z"}, "placed_at"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "currency": "nt"}, "currency"),
    ({"customer": {"id": 1}, "amount": 5, "idempotency_key": "k", "discount": 3}, "discount"),
]


def test_bad_order_bodies_get_422_naming_the_field_and_change_nothing(pos, db):
    for body, field in BAD_ORDER_BODIES:
        response = pos.post("/orders", body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field and response.json()["message"], body
    assert db.scalar(select(func.count()).select_from(Order)) == 0



def test_non_json_and_header_key_mismatch(pos, runtime):
    customer = add_customer(runtime)
    raw = requests.post(pos.base + "/orders", data="amount=5", headers=pos.headers(), timeout=10)
    assert raw.status_code == 422 and raw.json()["field"] == "body"
    mismatch = pos.post("/orders", order_body({"id": customer}, key="a"), **{"Idempotency-Key": "b"})
    assert mismatch.status_code == 422 and mismatch.json()["field"] == "idempotency_key"
    header_only = {k: v for k, v in order_body({"id": customer}).items() if k != "idempotency_key"}
    assert pos.post("/orders", header_only, **{"Idempotency-Key": "h-1"}).status_code == 201


def test_an_order_earns_points_stamps_stage_and_replays_return_the_first_answer(pos, chat, db, runtime):
    customer = followed_customer(chat, db)
    first = pos.post("/orders", order_body({"channel": "line", "user_id": chat.user}, placed_at="2026-11-20T15:30:00+08:00"))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["order"]["amount"] == "1200.00" and body["order"]["placed_at"] == "2026-11-20T07:30:00Z"
    assert body["order"]["items"][0] == {"sku": "B-978", "name": "海邊的卡夫卡", "quantity": 2, "unit_price": "600.00"}
    assert body["customer"] == {"id": customer, "stage": "first_time_buyer", "tier": 4}
    assert (body["first_purchase"], body["points_earned"], body["points_balance"]) == (True, 12, 12)
    assert body["stamps"] == {"count": 1, "on_card": 1, "card_size": 10}
    replay = pos.post("/orders", order_body({"channel": "line", "user_id": chat.user}, placed_at="2026-11-20T15:30:00+08:00"))
    assert replay.status_code == 201 and replay.json() == body and replay.headers["Idempotent-Replayed"] == "true"
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    assert db.scalar(select(func.sum(PointsEntry.points))) == 12
    reused = pos.post("/orders", order_body({"id": customer}, amount=99))
    assert reused.status_code == 422 and reused.json()["field"] == "idempotency_key"
    second = pos.post("/orders", order_body({"id": customer}, amount=80, key="till-1-0002"))
    assert second.json()["customer"]["stage"] == "repeat" and second.json()["stamps"]["count"] == 1  # under NT$100: no stamp
    refund = pos.post("/orders", order_body({"id": customer}, amount=-600, key="till-1-0003", refund_of=body["order"]["id"]))
    assert refund.status_code == 201 and refund.json()["points_earned"] == -6 and refund.json()["points_balance"] == 6
    assert refund.json()["order"]["refund_of"] == body["order"]["id"]
    assert "一般會員" in pushed_texts(db, customer, "transactional")[0]  # the first tier, congratulated


def test_the_same_key_from_another_shop_system_is_another_request(server, pos, runtime, db):
    customer = add_customer(runtime)
    eshop = Api(server, api_key(runtime, "eshop"))
    assert pos.post("/orders", order_body({"id": customer})).status_code == 201
    assert eshop.post("/orders", order_body({"id": customer})).status_code == 201
    assert db.scalar(select(func.count()).select_from(Order)) == 2


def test_referral_bonus_on_the_first_purchase_and_unknown_customers(pos, runtime, db):
    referrer = add_customer(runtime, email="ref@example.com")
    friend = add_customer(runtime, referred_by_id=referrer, phone="0912-345-678")
    assert pos.post("/orders", order_body({"phone": "0912 345 678"})).status_code == 404  # stored with dashes
    ok = pos.post("/orders", order_body({"phone": "0912-345-678"}))
    assert ok.json()["referral_bonus"] == 100 and ok.json()["customer"]["id"] == friend
    assert pos.post("/orders", order_body({"phone": "0912-345-678"}, key="again")).json()["referral_bonus"] == 0
    assert pos.get(f"/customers/{referrer}").json()["points"] == 100
    missing = pos.post("/orders", order_body({"email": "nobody@example.com"}, key="n"))
    assert missing.status_code == 404 and missing.json() == {
        "error": "customer_not_found", "message": "no customer matches this reference", "field": "customer.email"}
    add_customer(runtime, email="twin@example.com")
    add_customer(runtime, email="twin@example.com")
    ambiguous = pos.post("/orders", order_body({"email": "twin@example.com"}, key="t"))
    assert ambiguous.status_code == 409 and len(ambiguous.json()["customer_ids"]) == 2


def test_redeem_and_look_up_coupons(pos, runtime, db):
    customer = add_customer(runtime)
    with runtime.sessions.begin() as session:
        code = issue_coupon(session, customer, "WELCOME10", source="lead").code
    looked = pos.get(f"/coupons/{code.lower()}")
    assert looked.status_code == 200 and looked.json()["status"] == "active" and looked.json()["kind"] == "percent"
    assert looked.json()["value"] == "10.00" and looked.json()["name"]["en"] == "Welcome coupon"
    assert pos.get("/coupons/ZZZZZZZZZZ").status_code == 404
    assert pos.get("/coupons/%E5%84%AA").json()["field"] == "code"
    done = pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-1", "order_ref": "receipt-9"})
    assert done.status_code == 200 and done.json()["coupon"]["status"] == "used"
    replay = pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-1", "order_ref": "receipt-9"})
    assert replay.json() == done.json() and replay.headers["Idempotent-Replayed"] == "true"
    refused = pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-2"})
    assert refused.status_code == 409 and refused.json()["error"] == "coupon_used"
    assert pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-2"}).json() == refused.json()  # replayed refusal
    wrong = pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-3", "customer_id": customer + 1})
    assert wrong.status_code == 409 and wrong.json()["error"] == "coupon_wrong_customer"
    assert pos.post("/coupons/redeem", {"code": "ZZZZZZZZZZ", "idempotency_key": "r-4"}).status_code == 404
    assert pos.post("/coupons/redeem", {"code": "", "idempotency_key": "r-5"}).json()["field"] == "code"
    assert pos.post("/coupons/redeem", {"code": code, "idempotency_key": "r-6", "customer_id": 0}).json()["field"] == "customer_id"


def test_customer_profile_by_id_email_and_phone(pos, runtime):
    customer = add_customer(runtime, email="Reader@Example.com", phone="0912345678", display_name="林小姐")
    with runtime.sessions.begin() as session:
        issue_coupon(session, customer, "WELCOME10", source="lead")
    pos.post("/orders", order_body({"id": customer}, amount=2500))
    profile = pos.get(f"/customers/{customer}").json()
    assert profile["display_name"] == "林小姐" and profile["points"] == 25 and profile["tier"] == 4
    assert profile["tier_name"]["en"] == "Member" and profile["stage"] == "first_time_buyer"
    assert [c["template"] for c in profile["coupons"]] == ["WELCOME10"] and profile["stamps"]["count"] == 1
    assert pos.get("/customers", email="Reader@Example.com").json()["id"] == customer
    assert pos.get("/customers", phone="0912345678").json()["id"] == customer
    assert pos.get("/customers/999999").status_code == 404
    assert pos.get("/customers", email="bad").json()["field"] == "email"
    assert pos.get("/customers").status_code == 422
    assert pos.get("/customers", email="a@b.co", phone="0912345678").status_code == 422
    assert pos.get("/customers", name="x").json()["field"] == "name"


def test_the_order_hook_runs_in_the_orders_transaction(pos, runtime, db):
    seen = []

    def schedule_survey(event: hooks.OrderPlaced) -> None:
        seen.append((event.order.id, event.first_purchase))
        event.customer.tags = [*event.customer.tags, "survey-due"]

    hooks.on_order(schedule_survey)
    try:
        with pytest.raises(ValueError):
            hooks.on_order(schedule_survey)
        customer = add_customer(runtime)
        order_id = pos.post("/orders", order_body({"id": customer})).json()["order"]["id"]
    finally:
        hooks.remove_order_callback(schedule_survey)
    assert seen == [(order_id, True)]
    assert db.get(Customer, customer).tags == ["survey-due"]


def test_every_api_route_is_in_the_openapi_spec(runtime, server):
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert spec["servers"] == [{"url": "/api/v1"}]
    app = create_app(runtime=runtime)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert len(routes) == 12 and routes == documented
    served = requests.get(f"{server}/api/v1/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json() == spec


def test_cli_adds_a_key_that_works_once_printed(server, runtime, db, capsys):
    env = {**os.environ, "DATABASE_URL": runtime.settings.database.url, "BOT_APP_ENV": "test"}
    done = subprocess.run([sys.executable, "-m", "bot", "apikey", "add", "till-9", "--role", "pos"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("crm_") and key not in db.scalar(select(ApiKey.key_hash).where(ApiKey.name == "till-9"))
    assert Api(server, key).get(f"/customers/{add_customer(runtime)}").status_code == 200
    # The other actions, in this process (same code path after argument parsing).
    assert apikey_add(runtime.settings, "till-9", "eshop") == 2
    assert "exists" in capsys.readouterr().err
    assert apikey_revoke(runtime.settings, "till-9") == 0
    assert apikey_list(runtime.settings) == 0
    listing = capsys.readouterr().out
    assert "till-9\tpos" in listing and "revoked" in listing and key not in listing
    assert Api(server, key).get("/customers/1").status_code == 401
