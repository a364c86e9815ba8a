"""Points that can be spent: the rewards catalogue in the chat (cards, confirm, one redemption per
confirmation), the till's `POST /api/v1/points/spend`, and on PostgreSQL the races that matter:
50 customers after the last item, one customer redeeming twice at once."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select, update

from bot.crm import loyalty, rewards
from bot.crm.members import member_code
from models import Coupon, Customer, Reward, RewardRedemption
from tests.chat import texts
from tests.commerce import add_customer, api_key, followed_customer


def give_points(runtime, customer_id, points):
    with runtime.sessions.begin() as session:
        loyalty.award(session, customer_id, points, kind="campaign", note="test")


def balance(runtime, customer_id):
    with runtime.sessions() as session:
        return loyalty.balance(session, customer_id)


def buttons_of(delivery):
    found = []
    for message in delivery["messages"]:
        contents = message.get("contents") or {}
        bubbles = contents.get("contents") if contents.get("type") == "carousel" else [contents]
        for bubble in bubbles or []:
            found += [b["action"]["data"] for b in (bubble.get("footer") or {}).get("contents", [])]
    return found


def test_redeem_in_chat_lists_affordable_rewards_asks_and_spends_once(chat, db, runtime):
    customer_id = followed_customer(chat, db)
    give_points(runtime, customer_id, 250)
    [listing] = chat.send("message", text="兌換")
    assert buttons_of(listing) == ["redeem:ask:COFFEE"]  # SAVE100 costs 300
    [question] = chat.send("postback", postback="redeem:ask:COFFEE")
    confirm = buttons_of(question)[0]
    assert confirm.startswith("redeem:ok:COFFEE:")
    assert "100" in texts([question])[0]
    [done] = chat.send("postback", postback=confirm)
    assert "兌換成功" in texts([done])[0]
    assert done["messages"][0]["type"] == "flex"  # the coupon's card
    assert balance(runtime, customer_id) == 150
    # the same confirmation again (a double tap, a redelivery): nothing spent twice
    [again] = chat.send("postback", postback=confirm)
    assert "沒有重複扣點" in texts([again])[0]
    assert balance(runtime, customer_id) == 150
    assert db.scalar(select(func.count()).select_from(RewardRedemption)) == 1
    assert db.scalar(select(func.count()).select_from(Coupon).where(Coupon.customer_id == customer_id,
                                                                    Coupon.source == "reward:COFFEE")) == 1


def test_too_few_points_are_refused_and_cost_nothing(chat, db, runtime):
    customer_id = followed_customer(chat, db)
    give_points(runtime, customer_id, 50)
    assert "還不夠" in chat.say("redeem")[0] or "還不夠" in chat.say("兌換")[0]
    [refused] = chat.send("postback", postback="redeem:ok:COFFEE:abc123")
    assert "點數不足" in texts([refused])[0]
    assert balance(runtime, customer_id) == 50


def test_points_spend_api_is_idempotent_and_409s_on_too_few(server, runtime):
    customer_id = add_customer(runtime, display_name="林美")
    give_points(runtime, customer_id, 120)
    key = api_key(runtime, "pos")
    headers = {"Authorization": f"Bearer {key}"}

    def spend(points, idem):
        return requests.post(f"{server}/api/v1/points/spend", json={"customer": {"id": customer_id}, "points": points},
                             headers={**headers, "Idempotency-Key": idem}, timeout=10)

    first = spend(100, "till-1")
    assert first.status_code == 200 and first.json()["balance"] == 20
    replay = spend(100, "till-1")
    assert replay.status_code == 200 and replay.json() == first.json()
    assert balance(runtime, customer_id) == 20
    short = spend(30, "till-2")
    assert short.status_code == 409 and short.json()["error"] == "insufficient_points" and short.json()["balance"] == 20
    assert spend(0, "till-3").status_code == 422
    assert spend(10_000_001, "till-4").json()["field"] == "points"
    with runtime.sessions.begin() as session:
        code = member_code(session, session.get(Customer, customer_id))
    by_card = requests.post(f"{server}/api/v1/points/spend", json={"customer": {"member_code": code}, "points": 20},
                            headers={**headers, "Idempotency-Key": "till-5"}, timeout=10)
    assert by_card.status_code == 200 and by_card.json()["balance"] == 0
    readonly = api_key(runtime, "readonly", name="ro")
    assert requests.post(f"{server}/api/v1/points/spend", json={"customer": {"id": customer_id}, "points": 1},
                         headers={"Authorization": f"Bearer {readonly}", "Idempotency-Key": "x"}, timeout=10).status_code == 403


def _race(runtime, jobs):
    """Run the callables at once, each in its own thread and transaction; returns results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            with runtime.sessions.begin() as session:
                results[index] = job(session)
        except rewards.RewardError as exc:
            results[index] = exc.reason

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
def test_fifty_customers_after_the_last_item_one_wins(runtime, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the race is PostgreSQL's: SQLite runs one writer at a time")
    customers = [add_customer(runtime) for _ in range(50)]
    for customer_id in customers:
        give_points(runtime, customer_id, 1000)
    with runtime.sessions.begin() as session:
        session.execute(update(Reward).where(Reward.code == "SAVE100").values(stock=1))
    results = _race(runtime, [lambda s, c=c: rewards.redeem(s, c, "SAVE100", idempotency_key=f"race:{c}").redemption.id
                              for c in customers])
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1 and results.count("out_of_stock") == 49
    with runtime.sessions() as session:
        assert session.scalar(select(Reward.stock).where(Reward.code == "SAVE100")) == 0
        assert sum(loyalty.balance(session, c) for c in customers) == 50 * 1000 - 300


@pytest.mark.postgres
def test_one_customer_redeeming_twice_at_once_with_points_for_one_and_a_half(runtime, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the race is PostgreSQL's: SQLite runs one writer at a time")
    customer_id = add_customer(runtime)
    give_points(runtime, customer_id, 450)  # SAVE100 costs 300
    results = _race(runtime, [lambda s, k=k: rewards.redeem(s, customer_id, "SAVE100", idempotency_key=k).redemption.id
                              for k in ("tap-1", "tap-2")])
    assert sorted(map(str, results))[1] == "insufficient_points" and any(isinstance(r, int) for r in results)
    assert balance(runtime, customer_id) == 150
