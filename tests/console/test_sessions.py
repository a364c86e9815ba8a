"""Sessions end on the server: a copy of the cookie is worth nothing once its session is over.

Why copies: a signed cookie alone stays valid until it expires, wherever it was copied to (a
shared computer, a proxy log, malware). Each case copies the cookie first, ends the session the way
a person would (sign out, change the password, be deactivated by an admin), then tries the copy.
"""

from __future__ import annotations

import re

import requests
from sqlalchemy import func, select

from models import ConsoleSession
from tests.console.conftest import PASSWORDS, ConsoleClient, email

PAGE = "/console/customers"  # any page a signed-in user of any role may open


def copy_of(client: ConsoleClient) -> requests.Session:
    """Another browser holding the same cookie."""
    other = requests.Session()
    other.cookies.update(client.http.cookies)
    return other


def opens(http: requests.Session, base: str, path: str = PAGE) -> bool:
    answer = http.get(f"{base}{path}", allow_redirects=False, timeout=10)
    assert answer.status_code in (200, 302, 401), answer.status_code
    return answer.status_code == 200


def sessions_of(db, address: str) -> int:  # noqa: ANN001 - the ShortReads fixture
    from models import ConsoleUser

    user_id = db.scalar(select(ConsoleUser.id).where(ConsoleUser.email == address))
    return db.scalar(select(func.count()).select_from(ConsoleSession).where(ConsoleSession.user_id == user_id))


def test_a_cookie_copied_before_logout_opens_nothing_after_it(console, server, db):
    staff = console("staff")
    stolen = copy_of(staff)
    assert opens(stolen, server) and opens(stolen, server, "/console/queue.json")
    assert sessions_of(db, email("staff")) == 1
    assert staff.post("/console/logout").status_code == 200
    assert not opens(stolen, server) and not opens(staff.http, server)
    assert stolen.get(f"{server}/console/queue.json", timeout=10).status_code == 401
    assert sessions_of(db, email("staff")) == 0


def test_logout_ends_only_that_session(console, server):
    laptop, phone = console("staff"), console("staff")
    assert laptop.post("/console/logout").status_code == 200
    assert opens(phone.http, server)


def test_the_server_keeps_no_usable_cookie(console, server, db):
    """The table holds the SHA-256 of each session id, never the id the cookie carries."""
    staff = console("staff")
    cookie = staff.http.cookies["console_session"]
    stored = db.all(select(ConsoleSession.id))
    assert len(stored) == 1 and len(stored[0]) == 64 and stored[0] not in cookie


def test_a_password_change_ends_the_other_sessions_and_the_old_cookie(console, server):
    first, second = console("staff"), console("staff")
    before = copy_of(first)
    new = "new-password-22"
    assert first.post("/console/account", {"current": PASSWORDS["staff"], "new": new, "again": new}).status_code == 200
    assert opens(first.http, server)  # the browser that changed it goes on, with a new session
    assert not opens(second.http, server) and not opens(before, server)


def test_an_admin_reset_ends_every_session_of_that_user(console, server):
    staff, admin = console("staff"), console("admin")
    assert admin.post(f"/console/admin/users/{user_id(admin, 'staff')}", {"action": "reset"}).status_code == 200
    assert not opens(staff.http, server)
    assert opens(admin.http, server)


def test_deactivation_ends_sessions_for_good(console, server, db):
    staff, admin = console("staff"), console("admin")
    stolen = copy_of(staff)
    staff_id = user_id(admin, "staff")
    assert admin.post(f"/console/admin/users/{staff_id}", {"action": "deactivate"}).status_code == 200
    assert not opens(stolen, server)
    assert sessions_of(db, email("staff")) == 0
    assert admin.post(f"/console/admin/users/{staff_id}", {"action": "activate"}).status_code == 200
    assert not opens(stolen, server)  # reactivation does not revive the old session
    assert opens(ConsoleClient(server).login("staff").http, server)  # a new sign-in works


def test_a_cookie_from_before_server_sessions_is_not_accepted(console, server, runtime):
    """A cookie signed with the right key but naming no server session (an old one) opens nothing."""
    from flask.sessions import SecureCookieSessionInterface

    from bot.app import create_app

    app = create_app(runtime=runtime)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    staff_id_cookie = serializer.dumps({"uid": 1, "login_at": 2**31, "seen_at": 2**31, "csrf": "x"})
    forged = requests.Session()
    forged.cookies.set("console_session", staff_id_cookie)
    console("staff")
    assert not opens(forged, server)


def user_id(admin: ConsoleClient, role: str) -> str:
    users = admin.get("/console/admin/users").text
    return re.search(rf'data-email="{email(role)}">.*?/console/admin/users/(\d+)', users, re.S).group(1)
