"""Roles, CSRF, security headers, session expiry and password change, over real HTTP on both databases."""

from __future__ import annotations

import re
import time

import pytest
import requests
from sqlalchemy import select

from bot.console import security
from tests.console.conftest import PASSWORDS, ConsoleClient, email

# Every console page (GET) and who may open it.
PAGES = {
    "/console/queue": {"staff", "admin"},
    "/console/queue.json": {"staff", "admin"},
    "/console/customers": {"staff", "marketer", "admin"},
    "/console/appointments": {"staff", "admin"},
    "/console/appointments?view=week": {"staff", "admin"},
    "/console/segments": {"marketer", "admin"},
    "/console/segments/preview.json": {"marketer", "admin"},
    "/console/broadcasts": {"marketer", "admin"},
    "/console/broadcasts/new": {"marketer", "admin"},
    "/console/campaigns": {"marketer", "admin"},
    "/console/cards/preview": {"marketer", "admin"},
    "/console/tags": {"staff", "marketer", "admin"},
    "/console/rich-menus": {"marketer", "admin"},
    "/console/reports": {"marketer", "admin"},
    "/console/reports/funnel.csv": {"marketer", "admin"},
    "/console/reports/recovery.csv": {"marketer", "admin"},
    "/console/admin/users": {"admin"},
    "/console/admin/canned": {"admin"},
    "/console/admin/faq": {"admin"},
    "/console/admin/channels": {"admin"},
    "/console/admin/services": {"admin"},
    "/console/admin/complaints": {"admin"},
    "/console/admin/coupons": {"admin"},
    "/console/admin/rewards": {"admin"},
    "/console/account": {"staff", "marketer", "admin"},
}


def test_every_page_answers_each_role_as_the_permission_table_says(console):
    for role in ("staff", "marketer", "admin"):
        client = console(role)
        for path, allowed in PAGES.items():
            answer = client.get(path)
            expected = 200 if role in allowed else 403
            assert answer.status_code == expected, (role, path, answer.status_code, answer.text[:200])


def test_every_console_view_names_a_capability(server, runtime):
    from bot.app import create_app
    from bot.console import blueprints

    app = create_app(runtime=runtime)
    public = {"auth.login", "auth.logout", "auth.language", "auth.static"}
    console_blueprints = {blueprint.name for blueprint in blueprints()}
    assert {"admin_coupons", "admin_care", "broadcasts"} <= console_blueprints
    for endpoint, view in app.view_functions.items():
        if endpoint.split(".")[0] in console_blueprints:
            assert endpoint in public or getattr(view, "capability", None), endpoint


def test_signed_out_pages_go_to_login_and_json_gets_401(server):
    answer = requests.get(f"{server}/console/queue", timeout=10, allow_redirects=False)
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
    assert requests.get(f"{server}/console/queue.json", timeout=10).status_code == 401


def test_marketer_reads_customers_but_cannot_act_on_them(console, chat, db):
    chat.say("hello")
    marketer = console("marketer")
    assert marketer.get("/console/customers/1").status_code == 200
    page = marketer.get("/console/customers/1").text
    assert "purchase-form" not in page and 'id="notes"' not in page
    assert marketer.get("/console/conversations/1").status_code == 403
    assert marketer.post("/console/customers/1/purchases", {"amount": "100"}).status_code == 403
    assert marketer.post("/console/conversations/1/reply", {"text": "hi"}).status_code == 403


# Every route that returns what a customer wrote, and who may read it there. `{customer}` and
# `{conversation}` are filled in from the chat below. Marketers open the customer's profile (the
# facts segments use) but never the conversation.
CUSTOMER_TEXT_ROUTES = {
    "/console/customers/{customer}": {"staff", "admin"},
    "/console/customers/{customer}?before=999999999": {"staff", "admin"},
    "/console/customers/{customer}/timeline.json": {"staff", "admin"},
    "/console/customers/{customer}/timeline.json?conversation={conversation}": {"staff", "admin"},
    "/console/customers/0/timeline.json?conversation={conversation}": {"staff", "admin"},
    "/console/conversations/{conversation}": {"staff", "admin"},
    "/console/queue": {"staff", "admin"},
    "/console/queue.json": {"staff", "admin"},
}
SECRET = "zebra-7731-secret"  # what the customer wrote; appears nowhere else


def test_only_roles_with_conversations_read_what_customers_wrote(console, chat, db):
    from models import Conversation

    chat.say(f"{SECRET} 想訂書，我要找真人")  # opens a ticket too: the queue shows the last message
    conversation = db.scalar(select(Conversation).where(Conversation.customer_id.is_not(None)))
    for role in ("staff", "marketer", "admin"):
        client = console(role)
        for template, allowed in CUSTOMER_TEXT_ROUTES.items():
            path = template.format(customer=conversation.customer_id, conversation=conversation.id)
            answer = client.get(path)
            readable = answer.status_code == 200 and SECRET in answer.text
            assert readable == (role in allowed), (role, path, answer.status_code)
            if role not in allowed and "/customers/{customer}" in template and ".json" not in template:
                assert answer.status_code == 200 and 'id="profile"' in answer.text  # the profile stays open
        if role == "marketer":  # nothing else a marketer may open shows it either
            for path in PAGES:
                assert SECRET not in client.get(path).text, path


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(console, db):
    from models import CannedReply, Segment

    admin = console("admin")
    answer = admin.post("/console/admin/canned", {"title": "x", "text": "y"}, csrf=False)
    assert answer.status_code == 400 and "security token" in answer.text
    wrong = admin.post("/console/segments", {"name": "s", "csrf_token": "forged"}, csrf=False)
    assert wrong.status_code == 400
    assert db.all(CannedReply.__table__.select()) == [] and db.scalar(Segment.__table__.select()) is None


def test_security_headers_on_console_pages(console):
    answer = console("staff").get("/console/queue")
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    cookie = answer.request.headers["Cookie"]
    assert "console_session=" in cookie
    assert "<script>" not in answer.text.split("</head>")[1]  # no inline script in the body


def test_login_cookie_is_httponly_and_samesite(server, accounts):
    client = requests.Session()
    page = client.get(f"{server}/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(f"{server}/console/login", allow_redirects=False, timeout=10,
                         data={"email": email("staff"), "password": PASSWORDS["staff"], "csrf_token": token})
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_idle_session_expires(console, monkeypatch):
    client = console("staff")
    assert client.get("/console/queue").status_code == 200
    later = time.time() + 481 * 60  # [console] session_idle_minutes defaults to 480
    monkeypatch.setattr(security.time, "time", lambda: later)
    answer = client.get("/console/queue", allow_redirects=False)
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_password_change_checks_the_old_one_and_ends_other_sessions(console, server):
    first, second = console("staff"), console("staff")
    bad = first.post("/console/account", {"current": "nope", "new": "new-password-22", "again": "new-password-22"})
    assert bad.status_code == 400 and 'id="error-current"' in bad.text
    short = first.post("/console/account", {"current": PASSWORDS["staff"], "new": "short", "again": "short"})
    assert short.status_code == 400 and 'id="error-new"' in short.text
    good = first.post("/console/account", {"current": PASSWORDS["staff"], "new": "new-password-22", "again": "new-password-22"})
    assert good.status_code == 200 and good.url.endswith("/console/account")
    assert first.get("/console/queue").status_code == 200  # this session goes on
    assert "/console/login" in second.get("/console/queue").url  # the other one ended
    fresh = ConsoleClient(server)
    with pytest.raises(AssertionError):
        fresh.login("staff")  # the old password no longer works


def test_deactivated_user_is_signed_out(console):
    staff = console("staff")
    admin = console("admin")
    users = admin.get("/console/admin/users").text
    staff_id = re.search(r'data-email="staff@shop.test">.*?/console/admin/users/(\d+)', users, re.S).group(1)
    assert admin.post(f"/console/admin/users/{staff_id}", {"action": "deactivate"}).status_code == 200
    assert "/console/login" in staff.get("/console/queue").url


def test_the_last_admin_cannot_be_demoted(console):
    admin = console("admin")
    users = admin.get("/console/admin/users").text
    admin_id = re.search(r'data-email="admin@shop.test">.*?/console/admin/users/(\d+)', users, re.S).group(1)
    answer = admin.post(f"/console/admin/users/{admin_id}", {"action": "role", "role": "staff"})
    assert answer.status_code == 409 and "last admin" in answer.text


def test_unknown_console_page_is_a_404_page(console):
    answer = console("staff").get("/console/nothing-here")
    assert answer.status_code == 404 and "<html" in answer.text
