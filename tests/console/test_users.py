"""Accounts: scrypt hashes, validation, login throttling stored in the database, the first admin, the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import ConsoleSettings
from bot.console.passwords import hash_password, verify_password
from bot.console.users import UserError, authenticate, create_user, ensure_first_admin
from models import ConsoleUser, LoginFailure, utcnow

LIMITS = ConsoleSettings(login_max_failures=5, login_max_failures_per_ip=8, login_lock_minutes=15)


def test_hashes_are_salted_scrypt_and_verify():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert verify_password("correct horse", first) and not verify_password("correct hors", first)
    assert not verify_password("x", "md5$abc") and not verify_password("x", "garbage")


def test_create_user_refuses_bad_input(runtime):
    with runtime.sessions.begin() as session:
        user, password = create_user(session, " Ann@Shop.TEST ", "staff")
        assert user.email == "ann@shop.test" and len(password) >= 16
        for args, message in [(("not-an-email", "staff"), "not an email"), (("b@shop.test", "boss"), "role must be"),
                              (("ann@shop.test", "staff"), "already has an account")]:
            with pytest.raises(UserError, match=message):
                create_user(session, *args)
        with pytest.raises(UserError, match="at least 10"):
            create_user(session, "c@shop.test", "staff", "short")


def test_five_wrong_passwords_lock_the_account_for_a_while(runtime):
    with runtime.sessions.begin() as session:
        create_user(session, "ann@shop.test", "staff", "right-password")
    now = utcnow()
    for attempt in range(5):
        result = authenticate(runtime.sessions, "ann@shop.test", "wrong", f"10.0.0.{attempt}", LIMITS, now=now)
        assert not result.ok and result.locked_for is None
    # locked: even the right password is refused
    result = authenticate(runtime.sessions, "ANN@shop.test", "right-password", "10.0.0.99", LIMITS, now=now + timedelta(minutes=1))
    assert not result.ok and timedelta(minutes=13) < result.locked_for <= timedelta(minutes=14)
    # after the lock time it works, and the count starts again
    assert authenticate(runtime.sessions, "ann@shop.test", "right-password", "10.0.0.99", LIMITS, now=now + timedelta(minutes=16)).ok
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == "email:ann@shop.test")) == 0
        assert session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == "ip:10.0.0.99")) == 0


def test_attempts_refused_while_locked_do_not_extend_the_lock(runtime):
    """The attempt a locked account refuses withdraws the row it reserved: guessing on while locked
    neither piles up rows nor pushes the end of the lock further away."""
    now = utcnow()
    for _attempt in range(5):
        authenticate(runtime.sessions, "bob@shop.test", "wrong", "10.0.0.1", LIMITS, now=now)
    for minute in range(1, 11):
        assert authenticate(runtime.sessions, "bob@shop.test", "wrong", "10.0.0.2", LIMITS,
                            now=now + timedelta(minutes=minute)).locked_for is not None
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == "email:bob@shop.test")) == 5
        assert session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == "ip:10.0.0.2")) == 0
    assert authenticate(runtime.sessions, "bob@shop.test", "wrong", "10.0.0.2", LIMITS, now=now + timedelta(minutes=16)).locked_for is None


def test_one_address_guessing_many_accounts_is_locked(runtime):
    now = utcnow()
    for index in range(8):
        authenticate(runtime.sessions, f"user{index}@shop.test", "guess", "192.0.2.7", LIMITS, now=now)
    assert authenticate(runtime.sessions, "other@shop.test", "guess", "192.0.2.7", LIMITS, now=now).locked_for is not None
    assert authenticate(runtime.sessions, "other@shop.test", "guess", "192.0.2.8", LIMITS, now=now).locked_for is None


def test_a_deactivated_account_cannot_sign_in(runtime):
    with runtime.sessions.begin() as session:
        user, _ = create_user(session, "gone@shop.test", "staff", "right-password")
        user.active = False
    assert not authenticate(runtime.sessions, "gone@shop.test", "right-password", "1.2.3.4", LIMITS).ok


def test_first_admin_is_created_once(runtime):
    with runtime.sessions.begin() as session:
        email, password = ensure_first_admin(session, "boss@shop.test")
    with runtime.sessions.begin() as session:
        assert ensure_first_admin(session, "boss@shop.test") is None
        admin = session.scalar(select(ConsoleUser))
        assert (admin.email, admin.role) == ("boss@shop.test", "admin") and verify_password(password, admin.password_hash)


def test_cli_user_add_generates_and_prints_a_password(settings, tmp_path, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the command is the same on both databases; once is enough")
    env = {"BOT_APP_ENV": "test", "DATABASE_URL": db_url, "BOT_APP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "bot", "user", "add", "New@Shop.test", "--role", "marketer"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "created marketer new@shop.test" in done.stdout
    password = done.stdout.split("password: ")[1].strip()
    again = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert again.returncode == 2 and "already has an account" in again.stderr
    from models.db import make_engine, make_session_factory

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(ConsoleUser).where(ConsoleUser.email == "new@shop.test"))
        assert stored.role == "marketer" and verify_password(password, stored.password_hash)
    engine.dispose()
