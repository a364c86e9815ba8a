"""A cluster marked "abandon" (suggested, or chosen by the marketer) gets no broadcast: its
customers are skipped with the reason "abandon" and are in neither group; others are unaffected."""

from __future__ import annotations

from sqlalchemy import select

from jobs.broadcasts import run_due_broadcasts
from models import BroadcastRecipient, CustomerValue, ValueCluster
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
