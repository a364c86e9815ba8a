"""A cluster marked "abandon" (suggested, or chosen by the marketer) gets no broadcast: its
customers are skipped with the reason "abandon" and are in neither group; others are unaffected.
Nor promotional coupons issued one at a time (welcome, journeys); owed ones (service recovery,
rewards, stamp cards, tier gifts) still go."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from bot.crm.coupons import CODE_LENGTH, CouponError, issue_coupon
from bot.crm.value.promotions import promotional
from handlers.leads import issue_incentive
from jobs.broadcasts import run_due_broadcasts
from models import BroadcastRecipient, Coupon, Customer, CustomerValue, ValueCluster
from tests.console.factories import add_customer
from tests.console.test_planning import make_broadcast


def test_abandoned_clusters_are_left_out_of_broadcasts(runtime, db):
    with runtime.sessions.begin() as s:
        ids = [add_customer(s, f"c{k}", line=f"U{k}", consent=("line",)).id for k in range(6)]
        s.add_all([ValueCluster(id=1, suggested="retain"), ValueCluster(id=2, suggested="abandon"),
                   ValueCluster(id=3, suggested="abandon", strategy="watch")])  # the marketer overrode cluster 3
        s.flush()
        s.add_all([CustomerValue(customer_id=cid, cluster=1 + k % 3) for k, cid in enumerate(ids)])
    broadcast_id = make_broadcast(runtime)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    found = db.all(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id))
    rows = {r.customer_id: (r.group, r.skip_reason) for r in found}
    assert rows == {cid: ("skipped", "abandon") if k % 3 == 1 else ("treated", None) for k, cid in enumerate(ids)}


def _clustered(runtime) -> dict[str, int]:
    """One customer in each kind of cluster: kept, abandoned, and abandoned but overridden to watch."""
    with runtime.sessions.begin() as s:
        ids = {name: add_customer(s, name, line=f"U{name}", consent=("line",)).id for name in ("kept", "abandoned", "overridden")}
        s.add_all([ValueCluster(id=1, suggested="retain"), ValueCluster(id=2, suggested="abandon"),
                   ValueCluster(id=3, suggested="abandon", strategy="watch")])
        s.flush()
        s.add_all([CustomerValue(customer_id=ids[name], cluster=k) for k, name in enumerate(ids, start=1)])
    return ids


def _issue(runtime, customer_id: int, source: str) -> str:
    """The coupon's code, or the reason it was refused."""
    with runtime.sessions.begin() as s:
        try:
            return issue_coupon(s, customer_id, "FREECOFFEE", source=source).code
        except CouponError as error:
            return error.reason


def test_promotional_coupons_are_withheld_from_abandoned_clusters_and_owed_ones_still_go(runtime, db):
    ids = _clustered(runtime)
    for source in ("lead_incentive", "journey:7", "something-new"):  # promotions, and anything unknown
        assert _issue(runtime, ids["abandoned"], source) == "withheld", source
        assert len(_issue(runtime, ids["kept"], source)) == CODE_LENGTH, source
        assert len(_issue(runtime, ids["overridden"], source)) == CODE_LENGTH, source  # the marketer's choice wins
    for source in ("recovery:ab12", "reward:MUG", "stamp-card:2", "tier-up:2"):  # an apology or what they earned
        assert len(_issue(runtime, ids["abandoned"], source)) == CODE_LENGTH, source
    assert db.scalar(select(func.count()).select_from(Coupon).where(Coupon.customer_id == ids["abandoned"])) == 4
    assert [promotional(s) for s in ("", "recovery", "recovery:", "Recovery:x", "tier-up:1\x00")] == [True, True, False, True, False]


def test_a_withheld_welcome_coupon_is_no_incentive_rather_than_a_pending_one(runtime, db):
    ids = _clustered(runtime)
    with runtime.sessions.begin() as s:
        customer = s.get(Customer, ids["abandoned"])
        state = SimpleNamespace(data={})
        ctx = SimpleNamespace(customer=customer, settings=runtime.settings, state=state, session=s)
        assert issue_incentive(ctx) == ("none", None)  # type: ignore[arg-type]
        assert "incentive" not in state.data
        kept = SimpleNamespace(customer=s.get(Customer, ids["kept"]), settings=runtime.settings, state=SimpleNamespace(data={}), session=s)
        status, code = issue_incentive(kept)  # type: ignore[arg-type]
        assert status == "issued" and code and kept.state.data["incentive"]["code"] == code
