"""The per-account login limit holds when wrong passwords arrive all at once.

Why over real HTTP with many threads: the limit is read and written in the database by concurrent
requests; counted one after another, the attempts of a burst used to be checked before any of them
was recorded (8 of 40 checked against a limit of 5 on PostgreSQL). The test counts how many
passwords the app really checked, by wrapping the check it calls.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from bot.console import users
from models import LoginFailure
from tests.console.conftest import email

BURST = 40
ACCOUNT_LIMIT = 5  # [console] login_max_failures, its default


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the app checks, appended as it is checked."""
    seen: list[str] = []
    lock = threading.Lock()
    real = users.verify_password

    def counting(password: str, stored: str) -> bool:
        with lock:
            seen.append(password)
        return real(password, stored)

    monkeypatch.setattr(users, "verify_password", counting)
    return seen


def _ready_client(server: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{server}/console/login", timeout=10)
    return http, re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_burst_of_wrong_passwords_checks_at_most_the_limit(server, accounts, checked, db):
    assert accounts["staff"]
    clients = [_ready_client(server) for _ in range(BURST)]
    start = threading.Barrier(BURST)

    def attempt(index: int) -> int:
        http, token = clients[index]
        start.wait(timeout=30)
        answer = http.post(f"{server}/console/login", allow_redirects=False, timeout=60,
                           data={"email": email("staff"), "password": f"wrong-password-{index}", "csrf_token": token})
        return answer.status_code

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        statuses = list(pool.map(attempt, range(BURST)))
    assert 1 <= len(checked) <= ACCOUNT_LIMIT, (len(checked), statuses)
    assert statuses.count(401) == len(checked) and statuses.count(429) == BURST - len(checked), statuses
    failures = db.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == f"email:{email('staff')}"))
    assert failures == len(checked)  # each checked password is recorded; a refused attempt leaves nothing
