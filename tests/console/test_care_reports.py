"""Customer-care reports on both databases, from rows written directly so every figure can be
checked by hand: CSAT per month, SLA compliance (met, missed, still running), and the complaint
recovery rate (bought again within 90 days of the resolution, the last row agreeing with
bot.crm.analytics); their CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.marketing.care_reports import complaint_recovery, csat, sla_compliance
from models import Conversation, Survey, Ticket
from tests.console.factories import add_customer

TZ = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 3, 1, tzinfo=UTC)
FAR = datetime(2099, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ticket(session, customer, category: str, opened: datetime, *, first_due: timedelta, answered: timedelta | None,
           resolution_due: datetime, resolved: datetime | None, escalated: bool = False) -> Ticket:
    conversation = Conversation(customer_id=customer.id, channel="line", address=f"U{customer.id}-{opened:%m%d}")
    session.add(conversation)
    session.flush()
    row = Ticket(customer_id=customer.id, conversation_id=conversation.id, priority=2, category=category,
                 status="resolved" if resolved else "open", opened_at=opened, first_response_due=opened + first_due,
                 first_response_at=opened + answered if answered is not None else None, resolution_due=resolution_due,
                 resolved_at=resolved, escalated_at=opened if escalated else None)
    session.add(row)
    session.flush()
    return row


def seed(runtime) -> None:
    with runtime.sessions.begin() as s:
        a = add_customer(s, "A", orders=[(utc(2026, 2, 15), "300")])                        # bought 36 days after: recovered
        b = add_customer(s, "B", orders=[(utc(2026, 1, 1), "100"), (utc(2026, 6, 1), "100")])  # before, and too late
        c = add_customer(s, "C", orders=[(utc(2026, 2, 20), "-50")])                        # a refund is not a purchase
        t1 = ticket(s, a, "complaint", utc(2026, 1, 10, 1), first_due=timedelta(hours=1), answered=timedelta(minutes=30),
                    resolution_due=utc(2026, 1, 10, 9), resolved=utc(2026, 1, 10, 10))     # first met, resolution missed
        t2 = ticket(s, b, "complaint", utc(2026, 1, 20), first_due=timedelta(hours=1), answered=timedelta(hours=3),
                    resolution_due=utc(2026, 1, 20, 8), resolved=utc(2026, 1, 20, 4))      # first missed, resolution met
        ticket(s, c, "human_request", utc(2026, 2, 5), first_due=timedelta(hours=4), answered=None,
               resolution_due=FAR, resolved=None)                                           # still open past its first deadline
        ticket(s, c, "complaint", utc(2026, 2, 10), first_due=timedelta(hours=1), answered=timedelta(minutes=5),
               resolution_due=utc(2026, 2, 11, 8), resolved=utc(2026, 2, 11), escalated=True)
        s.add_all([
            Survey(customer_id=a.id, kind="ticket", subject_id=t1.id, status="answered", base_at=t1.resolved_at, score=2,
                   answered_at=utc(2026, 1, 11)),
            Survey(customer_id=b.id, kind="ticket", subject_id=t2.id, status="answered", base_at=t2.resolved_at, score=5,
                   answered_at=utc(2026, 1, 21)),
            Survey(customer_id=c.id, kind="order", subject_id=1, status="answered", base_at=utc(2026, 2, 11), score=4,
                   answered_at=utc(2026, 2, 12)),
            Survey(customer_id=c.id, kind="order", subject_id=2, status="sent", base_at=utc(2026, 2, 11)),
        ])


def test_csat_sla_and_recovery_figures(runtime):
    seed(runtime)
    with runtime.sessions() as s:
        assert csat(s, TZ).rows == [["2026-01", 2, 3.5, 50.0, 2, 3.5, 0, None], ["2026-02", 1, 4.0, 100.0, 0, None, 1, 4.0]]
        assert sla_compliance(s, TZ, NOW).rows == [["2026-01", 2, 1, 1, 50.0, 1, 1, 50.0, 0], ["2026-02", 2, 1, 1, 50.0, 1, 0, 100.0, 1]]
        # on 1 March, B (resolved 20 January) and C (11 February) may still come back; no window is over yet
        assert complaint_recovery(s, runtime.settings, NOW).rows == [
            ["2026-01", 2, 1, 1, 50.0], ["2026-02", 1, 0, 1, 0.0], ["all, resolved over 90 days ago", 0, 0, 0, None]]
        later = complaint_recovery(s, runtime.settings, datetime(2026, 6, 1, tzinfo=UTC))  # their 90 days are over: lost
        assert later.rows == [["2026-01", 2, 1, 0, 50.0], ["2026-02", 1, 0, 0, 0.0], ["all, resolved over 90 days ago", 3, 1, 0, 33.3]]


def test_care_reports_on_the_page_and_as_csv(runtime, console):
    seed(runtime)
    marketer = console("marketer")
    page = marketer.get("/console/reports").text
    for section in ("report-csat", "report-sla", "report-recovery"):
        assert f'id="{section}"' in page
    assert "等待整合" not in page  # no report waits for a model any more

    def rows(name: str) -> list[list[str]]:
        answer = marketer.get(f"/console/reports/{name}.csv")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))

    assert rows("csat")[1] == ["2026-01", "2", "3.5", "50.0", "2", "3.5", "0", ""]
    assert rows("sla")[0][:3] == ["month", "tickets", "first response met"]
    assert rows("recovery")[1:] == [["2026-01", "2", "1", "0", "50.0"], ["2026-02", "1", "0", "0", "0.0"],
                                    ["all, resolved over 90 days ago", "3", "1", "0", "33.3"]]
    assert console("staff").get("/console/reports/sla.csv").status_code == 403
