"""Console fixtures: accounts for each role, an HTTP client signed in as one, and a real browser.

The browser is Debian's Chromium (`apt-get install chromium`, see .ci/run) driven by Playwright;
Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.console.users import create_user
from bot.runtime import Runtime

PASSWORDS = {"staff": "staff-password-1", "marketer": "marketer-password-1", "admin": "admin-password-1"}
CHROMIUM = os.environ.get("BOT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: Any) -> Any:
    """The console's tests plan broadcasts on the wall clock: the shop's quiet hours (which every
    broadcast now keeps) are switched off so a run at night sends what a run by day does. The
    quiet hours themselves are tested with an injected clock (tests/journeys/test_quiet_hours.py)."""
    from tests.conftest import make_settings
    return make_settings(db_url, tmp_path, standin.url, BOT_JOURNEYS_QUIET_START="00:00", BOT_JOURNEYS_QUIET_END="00:00")


def email(role: str) -> str:
    return f"{role}@shop.test"


@pytest.fixture
def accounts(runtime: Runtime) -> dict[str, str]:
    """One account per role; role -> email (the password is PASSWORDS[role])."""
    with runtime.sessions.begin() as session:
        for role, password in PASSWORDS.items():
            create_user(session, email(role), role, password)
    return {role: email(role) for role in PASSWORDS}


class ConsoleClient:
    """A `requests` session signed in to the console, which sends the CSRF token with its POSTs."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.csrf = ""

    def login(self, role: str) -> "ConsoleClient":
        page = self.http.get(f"{self.base}/console/login", timeout=10)
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = self.http.post(f"{self.base}/console/login", timeout=10,
                                data={"email": email(role), "password": PASSWORDS[role], "csrf_token": self.csrf})
        assert answer.status_code == 200 and "/console/login" not in answer.url, answer.text[:300]
        self.csrf = re.search(r'data-csrf="([^"]+)"', answer.text).group(1)  # a new session has a new token
        return self

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=20, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> requests.Response:
        payload = dict(data or {})
        if csrf:
            payload["csrf_token"] = self.csrf
        return self.http.post(f"{self.base}{path}", data=payload, timeout=30, **kwargs)


@pytest.fixture
def console(server: str, accounts: dict[str, str]) -> Any:
    """`console("staff")` -> a client signed in as that role."""
    return lambda role: ConsoleClient(server).login(role)


# --- the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser: Any, server: str, accounts: dict[str, str]) -> Iterator[Any]:
    """`page_for("staff")` -> a browser page signed in as that role through the login form.
    Every page records dialogs (alert/confirm) in `page.dialogs`: the console must never open one."""
    contexts = []

    def open_page(role: str | None, *, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(base_url=server, viewport=viewport or {"width": 1280, "height": 900}, locale="zh-TW")
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.set_default_timeout(10000)
        if role:
            sign_in(page, email(role), PASSWORDS[role])
            assert "/console/login" not in page.url, page.content()[:500]
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, address: str, password: str) -> None:
    page.goto("/console/login")
    page.fill("input[name=email]", address)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
