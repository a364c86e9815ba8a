"""The console in zh-TW, walked as a new user would: every page of the console blueprint (each GET
route without parameters, from the app's URL map), a customer's page, a conversation with a
ticket, a broadcast, a segment, a 404 and a forced 500, signed in as admin, staff and marketer;
none may show an internal code (a stage, a ledger kind, a lead source, an English error title) in
its visible text. The data is what the demo produces: a chat with the bot, a customer at each
stage, a ledger entry of each kind, services, a ticket, a broadcast that went out, a staff task."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.console.base import CONSOLE_PREFIX, SCRIPT_WORDS
from bot.console.commerce_panels import COUPON_STATUS
from bot.crm import booking
from bot.crm.analytics import STAGES
from bot.marketing.segments import KNOWN_STAGES
from bot.runtime import Runtime
from jobs.broadcasts import run_due_broadcasts
from models import Appointment, Broadcast, ChannelIdentity, Consent, Customer, Order, PointsEntry, Segment, Service, StaffTask, utcnow
from models.loyalty import POINT_KINDS
from models.staff import ROLES

# Codes the database and the code use, which a zh-TW reader must never see as such.
INTERNAL_CODES = sorted({
    *KNOWN_STAGES, *STAGES, *POINT_KINDS, *ROLES, *COUPON_STATUS, *COUPON_STATUS.values(),
    *(w for w in SCRIPT_WORDS if w.isascii() and w.replace("_", "").isalpha()),
    "first_purchase", "first purchase", "purchase", "contacts", "leads", "advocates", "expiry", "points past their validity",
    "line:direct", "telegram:direct", "line:follow", "line:lead_capture", "lead_capture", "lead_incentive", "referral:",
    "api:till", "open", "resolved", "reopened", "complaint", "human_request", "first_response", "resolution", "booked",
    "attended", "no_show", "treated", "control", "skipped", "no_consent", "unreachable", "marketing", "transactional",
    "churn_watch", "zh-TW", "zh-CN", "line", "telegram", "email", "Not Found", "Internal Server Error", "Forbidden",
    "Bad Request", "Method Not Allowed", "no such customer", "Gold customer",
})
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
CONFIG_KEY = re.compile(r"\[\w+\]( \w+)?|\b\w+\.toml\b")  # "請設定 [console] telegram_bot_username": a key to type, not a label
# not labels: scripts, what an admin edits (phrase lists, FAQ answers) and identifiers shown as such
DATA_TAGS = ("script", "style", "textarea", "code")
SKIPPED_ROUTES = {"auth.login", "auth.static", "static"}


class VisibleText(HTMLParser):
    """The text a reader sees as the console's words: element text and the title, never attribute
    values, scripts, editable data or `<code>` identifiers."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DATA_TAGS:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in DATA_TAGS:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return CONFIG_KEY.sub(" ", EMAIL.sub(" ", "\n".join(parser.parts)))


def leaked_codes(html: str, extra: tuple[str, ...] = ()) -> list[str]:
    text = visible_text(html)
    return [code for code in (*INTERNAL_CODES, *extra) if re.search(rf"(?<![\w:\-]){re.escape(code)}(?![\w\-]|:\w)", text)]


def _context(html: str, code: str) -> str:
    """The code with the words around it, so a failure says where on the page it is."""
    text = visible_text(html).replace("\n", " | ")
    at = re.search(rf"(?<![\w:\-]){re.escape(code)}(?![\w\-]|:\w)", text)
    return f"{code!r} in …{text[max(at.start() - 40, 0):at.end() + 40]}…" if at else code


def test_the_visible_text_checker_finds_codes_and_ignores_attributes_and_emails():
    html = ('<p title="lead">潛在顧客 staff@shop.test</p><script>var x = "repeat";</script>'
            '<p>來源：line:direct</p><p>請設定 [console] telegram_bot_username</p>')
    assert leaked_codes(html) == ["line:direct"]
    assert leaked_codes("<td>first purchase</td>") == ["first purchase", "purchase"]
    assert leaked_codes("<td>顧客 #3 首購</td><td>LINE · 直接加入</td>") == []


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    """The real app with one extra console route that fails, to see the 500 page a user would get."""
    app = create_app(runtime=runtime)

    @app.get(f"{CONSOLE_PREFIX}/walk-test-failure")
    def _failure() -> str:
        raise RuntimeError("a forced failure for the 500 page")

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.extensions["walk_routes"] = [rule for rule in app.url_map.iter_rules()
                                     if rule.rule.startswith(CONSOLE_PREFIX) and "GET" in rule.methods and not rule.arguments
                                     and rule.endpoint not in SKIPPED_ROUTES and not rule.rule.endswith((".json", ".csv", ".png"))
                                     and rule.endpoint != "_failure"]
    runtime.walk_routes = sorted(rule.rule for rule in app.extensions["walk_routes"])
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()


def seed(runtime: Runtime, chat) -> None:
    """What a shop has after its first hour: a chat (a button pressed, a request for a person), a
    customer at each stage, each kind of ledger entry, services and a visit, a broadcast sent, a
    churn-watch task."""
    chat.send("follow")
    chat.press("faq:1")
    chat.say("我要找真人")
    now = utcnow()
    with runtime.sessions.begin() as s:
        first = s.get(Customer, 1)
        first.display_name, first.lead_source, first.email = "王小明", "line:direct", "ming@example.tw"
        s.add(Consent(customer_id=1, channel="line", purpose="transactional", granted=True, source="line:lead_capture"))
        sources = ["telegram:direct", "referral:ABCD2345", "campaign:spring", "ref_friend", "src_fair", "line:direct", None]
        for index, stage in enumerate(sorted({*KNOWN_STAGES, *STAGES})):
            customer = Customer(display_name=f"顧客{index}", stage=stage, lead_source=sources[index % len(sources)], tier=1 + index % 5,
                                language=("zh-TW", "en", "zh-CN")[index % 3])
            s.add(customer)
            s.flush()
            s.add(ChannelIdentity(customer_id=customer.id, channel=("line", "telegram")[index % 2],
                                  platform_user_id=f"U{customer.id:032d}", last_seen_at=now))
            s.add(Consent(customer_id=customer.id, channel="line", purpose="marketing", granted=True, source="line:follow"))
        order = Order(customer_id=1, amount=Decimal("500"), placed_at=now - timedelta(days=1), source="api:till")
        s.add_all([order, Order(customer_id=1, amount=Decimal("120"), placed_at=now, source="console")])
        s.flush()
        notes = {"earn": "purchase", "referral": "customer 3 first purchase", "spend": None, "expire": "points past their validity",
                 "refund": "refund", "adjustment": "補償 (staff@shop.test)", "campaign": None}
        for kind in POINT_KINDS:
            sign = -1 if kind in ("spend", "expire", "refund") else 1
            s.add(PointsEntry(customer_id=1, kind=kind, points=sign * 10, note=notes[kind],
                              order_id=order.id if kind in ("earn", "refund") else None))
        booking.sync_services(s, runtime.settings)
        service = s.scalar(select(Service).order_by(Service.id))
        s.add(Appointment(customer_id=1, service_id=service.id, starts_at=now + timedelta(days=1),
                          ends_at=now + timedelta(days=1, minutes=30), channel="line", address=chat.user))
        s.add(StaffTask(kind="churn_watch", customer_id=1, dedupe_key="churn:1:walk", title="Gold customer 王小明: no purchase",
                        detail={"tier": 1, "orders": 6, "usual_gap_days": 20.0, "current_gap_days": 75.0,
                                "caring_message_sent": True}))
        segment = Segment(name="台北讀者", criteria={})
        s.add(segment)
        s.flush()
        s.add(Broadcast(name="春季書展", segment_id=segment.id, text="春季書展開跑！", status="scheduled", send_at=now))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    chat.replies()  # the worker delivers the broadcast


def pages(role: str, routes: list[str]) -> list[str]:
    found = [*routes, "/console/customers/1", "/console/customers/3", "/console/customers/5", "/console/tasks?status=all",
             "/console/appointments?view=week"]
    if role != "marketer":
        found += ["/console/conversations/1"]
    if role != "staff":
        found += ["/console/broadcasts/1", "/console/broadcasts/1/recipients", "/console/segments/1"]
    return found


def test_every_console_page_in_zh_tw_shows_no_internal_code(runtime, chat, console):
    seed(runtime, chat)
    with runtime.sessions() as s:
        service_codes = tuple(s.scalars(select(Service.code)))  # a service is shown by its name
    failures: dict[str, list[str]] = {}
    walked = 0
    for role in ("admin", "staff", "marketer"):
        client = console(role)
        for path in pages(role, runtime.walk_routes):
            answer = client.get(path)
            assert answer.status_code in (200, 403), (role, path, answer.status_code)
            walked += 1
            leaked = leaked_codes(answer.text, service_codes)
            if leaked:
                failures[f"{role} {path} ({answer.status_code})"] = [_context(answer.text, code) for code in leaked]
        for path, status in (("/console/no-such-page", 404), ("/console/customers/99999", 404), ("/console/walk-test-failure", 500)):
            answer = client.get(path)
            assert answer.status_code == status and "<html" in answer.text, (path, answer.status_code)
            leaked = leaked_codes(answer.text, service_codes)
            if leaked:
                failures[f"{role} {path} ({status})"] = [_context(answer.text, code) for code in leaked]
    assert not failures, "\n".join(f"{page}: {codes}" for page, codes in failures.items())
    assert walked > 40 and "/console/tasks" in runtime.walk_routes and "/console/reports" in runtime.walk_routes


def test_the_error_pages_speak_the_consoles_language(runtime, console):
    admin = console("admin")
    missing = admin.get("/console/customers/99999")
    assert missing.status_code == 404 and "404 · 找不到頁面" in missing.text and "找不到這個頁面" in missing.text
    assert "no such customer" not in missing.text
    failed = admin.get("/console/walk-test-failure")
    assert failed.status_code == 500 and "500 · 系統錯誤" in failed.text and "系統發生錯誤" in failed.text
    assert "forced failure" not in failed.text  # what broke stays in the log
    forbidden = console("marketer").get("/console/queue")
    assert forbidden.status_code == 403 and "您的角色（行銷）沒有權限開啟這個頁面" in forbidden.text
    assert "marketer" not in visible_text(forbidden.text)
    admin.post("/console/language", {"lang": "en", "next": "/console/queue"})
    english = admin.get("/console/customers/99999")
    assert "404 · Not found" in english.text and "no such customer" in english.text
    assert "500 · Internal error" in admin.get("/console/walk-test-failure").text
