"""The per-address login limit behind a reverse proxy (`[web] trusted_proxies`).

Behind nginx every request comes from the proxy's address. With the setting at 0 the app must not
believe X-Forwarded-For (any client can write it), so a client cannot escape the limit by changing
it. With 1 the app takes the address the proxy appended, so one attacker's failures lock out that
attacker and not the shop's staff signing in from elsewhere. The real app over HTTP plays the
server; the test's requests carry the headers nginx's `$proxy_add_x_forwarded_for` would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.config import ConfigError, Settings, load_settings
from channels.line.standin import LineStandin
from models import LoginFailure
from tests.conftest import make_settings
from tests.console.conftest import PASSWORDS, email

PER_ADDRESS_LIMIT = 3  # failures per address before it is locked (the per-account limit stays at 5)
ATTACKER, STAFF_MACHINE = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def trusted_proxies() -> int:
    return 0


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: LineStandin, trusted_proxies: int) -> Settings:
    return make_settings(db_url, tmp_path, standin.url, BOT_WEB_TRUSTED_PROXIES=str(trusted_proxies),
                         BOT_CONSOLE_LOGIN_MAX_FAILURES_PER_IP=str(PER_ADDRESS_LIMIT))


def sign_in(server: str, forwarded_for: str, address: str, password: str) -> int:
    """One login through the form, from a client behind the proxy; the status: 302 in, 401 wrong, 429 locked."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = forwarded_for
    http.headers["X-Forwarded-Proto"] = "https"
    page = http.get(f"{server}/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = http.post(f"{server}/console/login", allow_redirects=False, timeout=20,
                       data={"email": address, "password": password, "csrf_token": token})
    return answer.status_code


def failure_keys(db) -> set[str]:  # noqa: ANN001 - the ShortReads fixture
    return {row.key for row in db.all(select(LoginFailure)) if row.key.startswith("ip:")}


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(server, accounts, db):
    for attempt in range(PER_ADDRESS_LIMIT):
        assert sign_in(server, f"10.0.0.{attempt}", f"guess{attempt}@shop.test", "wrong-password") == 401
    assert sign_in(server, "10.0.0.99", "guess99@shop.test", "wrong-password") == 429
    assert sign_in(server, STAFF_MACHINE, email("staff"), PASSWORDS["staff"]) == 429  # one address to the app: all locked
    assert failure_keys(db) == {"ip:127.0.0.1"}


@pytest.mark.parametrize("trusted_proxies", [1])
def test_behind_one_proxy_each_client_address_is_limited_on_its_own(server, accounts, db):
    for attempt in range(PER_ADDRESS_LIMIT):
        # What the client wrote is kept left of what nginx appended; only the last hop is believed.
        assert sign_in(server, f"10.0.0.{attempt}, {ATTACKER}", f"guess{attempt}@shop.test", "wrong-password") == 401
    assert sign_in(server, f"10.0.0.99, {ATTACKER}", email("staff"), PASSWORDS["staff"]) == 429  # the attacker is locked
    assert sign_in(server, STAFF_MACHINE, email("staff"), "wrong-password") == 401  # the staff's address is not
    assert sign_in(server, STAFF_MACHINE, email("staff"), PASSWORDS["staff"]) == 302
    assert failure_keys(db) == {f"ip:{ATTACKER}", f"ip:{STAFF_MACHINE}"}


def test_the_setting_defaults_to_trusting_no_proxy():
    assert load_settings(environ={}).web.trusted_proxies == 0
    assert load_settings(environ={"BOT_WEB_TRUSTED_PROXIES": "2"}).web.trusted_proxies == 2


@pytest.mark.parametrize(("value", "message"), [
    ("6", "web.trusted_proxies: must be between 0 and 5"),
    ("-1", "web.trusted_proxies: must be between 0 and 5"),
    ("one", "web.trusted_proxies: expected an integer, got 'one'"),
])
def test_a_bad_trusted_proxies_value_names_the_key(value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"BOT_WEB_TRUSTED_PROXIES": value})
