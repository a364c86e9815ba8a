"""Races that must have exactly one winner, on real databases: 50 tills redeeming one single-use
code, 1,000 concurrent point awards (the ledger sum exact), concurrent spends that must not
overdraw, concurrent issuing of the one welcome coupon, and one redemption request sent ten times."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from bot.crm import loyalty
from bot.crm.coupons import issue_coupon, redeem
from models import Coupon, CouponRedemption, Order, PointsEntry
from tests.commerce import add_customer, api_key


def together(count: int, work):
    """Run `work(index)` in `count` threads released at the same moment; return the results."""
    barrier = threading.Barrier(count)

    def run(index: int):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def postgres_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks and real parallel transactions: PostgreSQL")


def test_fifty_tills_redeem_one_single_use_code_over_http(server, runtime, db):
    customer = add_customer(runtime)
    with runtime.sessions.begin() as session:
        code = issue_coupon(session, customer, "WELCOME10", source="lead").code
    keys = [api_key(runtime, "pos", name=f"till-{i}") for i in range(5)]

    def till(index: int) -> tuple[int, str]:
        response = requests.post(f"{server}/api/v1/coupons/redeem", timeout=60,
                                 json={"code": code, "idempotency_key": f"sale-{index}"},
                                 headers={"Authorization": f"Bearer {keys[index % 5]}"})
        return response.status_code, response.json().get("error", "")

    outcomes = Counter(together(50, till))
    assert outcomes == Counter({(200, ""): 1, (409, "coupon_used"): 49})
    assert db.scalar(select(Coupon.uses)) == 1
    assert db.scalar(select(func.count()).select_from(CouponRedemption)) == 1


def test_a_thousand_concurrent_point_awards_sum_exactly(db_url, runtime, db):
    postgres_only(db_url)
    customers = [add_customer(runtime) for _ in range(3)]

    def award(index: int) -> None:
        with runtime.sessions.begin() as session:
            # Every tenth award is a retry of the one before it (same award, same key): it must count once.
            original = index - 1 if index % 10 == 9 else index
            loyalty.award(session, customers[original % 3], original % 7 + 1, kind="campaign",
                          idempotency_key=f"campaign:{original}")

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(award, range(1000)))
    expected = sum(i % 7 + 1 for i in range(1000) if i % 10 != 9)
    assert db.scalar(select(func.sum(PointsEntry.points))) == expected
    assert db.scalar(select(func.count()).select_from(PointsEntry)) == 900
    with runtime.sessions() as session:
        assert sum(loyalty.balance(session, c) for c in customers) == expected


def test_concurrent_spends_never_overdraw(db_url, runtime):
    postgres_only(db_url)
    customer = add_customer(runtime)
    with runtime.sessions.begin() as session:
        loyalty.award(session, customer, 100, kind="campaign")

    def spend(index: int) -> str:
        try:
            with runtime.sessions.begin() as session:
                loyalty.deduct(session, customer, 30, idempotency_key=f"spend-{index}")
            return "ok"
        except loyalty.PointsError as exc:
            return exc.reason

    assert Counter(together(12, spend)) == Counter({"ok": 3, "insufficient": 9})
    with runtime.sessions() as session:
        assert loyalty.balance(session, customer) == 10


def test_the_welcome_coupon_is_issued_once_however_many_retries_race(runtime, db):
    customer = add_customer(runtime)

    def welcome(_: int) -> str:
        with runtime.sessions.begin() as session:
            return issue_coupon(session, customer, "WELCOME10", source="lead").code

    codes = together(12, welcome)
    assert len(set(codes)) == 1
    assert db.scalar(select(func.count()).select_from(Coupon)) == 1


def test_one_redemption_request_sent_ten_times_at_once_counts_once(db_url, runtime, db):
    postgres_only(db_url)
    customer = add_customer(runtime)
    with runtime.sessions.begin() as session:
        code = issue_coupon(session, customer, "FREECOFFEE", source="stamps").code

    def retry(_: int) -> int:
        with runtime.sessions.begin() as session:
            return redeem(session, code, request_key="till-1:sale-7", redeemed_by="till-1").redemption.id

    assert len(set(together(10, retry))) == 1
    assert db.scalar(select(Coupon.uses)) == 1


def test_one_order_retried_ten_times_at_once_is_recorded_once_with_one_answer(db_url, server, runtime, db):
    postgres_only(db_url)
    customer = add_customer(runtime)
    key = api_key(runtime, "pos")
    body = {"customer": {"id": customer}, "amount": 2500, "idempotency_key": "till-1-0099"}

    def retry(_: int) -> tuple[int, str]:
        response = requests.post(f"{server}/api/v1/orders", json=body, timeout=60, headers={"Authorization": f"Bearer {key}"})
        return response.status_code, response.text

    answers = together(10, retry)
    assert {status for status, _ in answers} == {201} and len({text for _, text in answers}) == 1
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    assert db.scalar(select(func.sum(PointsEntry.points))) == 25
