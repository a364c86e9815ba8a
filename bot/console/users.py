"""Console accounts: create, authenticate with throttling, change passwords, the first admin.

Why throttling lives in the database: the web tier can be several gunicorn processes on several
machines; counting failures in one process's memory would multiply an attacker's guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, object_session, sessionmaker

from bot.config import ConsoleSettings
from bot.console.passwords import DUMMY_HASH, generate_password, hash_password, password_problem, verify_password
from bot.console.sessions import end_user_sessions
from models import ROLES, ConsoleUser, LoginFailure, utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


class UserError(ValueError):
    """A bad email, role or password, with a message that says which and why."""


@dataclass(frozen=True)
class LoginResult:
    user: ConsoleUser | None
    locked_for: timedelta | None = None  # set when too many failures: how long until it lifts

    @property
    def ok(self) -> bool:
        return self.user is not None


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise UserError(f"{email or '(empty)'} is not an email address")
    return email


def create_user(session: Session, email: str, role: str, password: str | None = None) -> tuple[ConsoleUser, str]:
    """Add an account; returns it and its password (generated when none is given)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == email)) is not None:
        raise UserError(f"{email} already has an account")
    password = password or generate_password()
    problem = password_problem(password)
    if problem:
        raise UserError(f"password: {problem}")
    user = ConsoleUser(email=email, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user, password


def set_password(user: ConsoleUser, password: str) -> None:
    """A new password ends every session of the account (the caller may open a fresh one for the
    person who changed it): whoever knew the old password may already be signed in."""
    problem = password_problem(password)
    if problem:
        raise UserError(f"password: {problem}")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    db = object_session(user)
    if db is not None and user.id is not None:
        end_user_sessions(db, user.id)


def deactivate(db: Session, user: ConsoleUser) -> None:
    """A deactivated account is signed out everywhere at once, and stays out if reactivated."""
    user.active = False
    end_user_sessions(db, user.id)


def ensure_first_admin(session: Session, email: str) -> tuple[str, str] | None:
    """When no account exists yet, create an admin and return (email, password) to print once."""
    if session.scalar(select(func.count()).select_from(ConsoleUser)):
        return None
    user, password = create_user(session, email, "admin")
    return user.email, password


def authenticate(sessions: sessionmaker[Session], email: str, password: str, ip: str, settings: ConsoleSettings,
                 now: datetime | None = None) -> LoginResult:
    """Check a login. Too many recent failures for the account or the address lock it for a while,
    whatever the password; each failure is recorded for both.

    Why an attempt is recorded (committed) before the password is checked: requests sent at once
    would otherwise all count the failures before any of them records one, and all be checked.
    Committed in turn, the n-th attempt sees at least n rows, so at most `limit` of them are checked
    whatever the concurrency; an attempt that finds the limit reached withdraws its rows. A right
    password clears the account's failures and withdraws its own row for the address."""
    now = now or utcnow()
    email = email.strip().lower()
    limits = {f"email:{email}": settings.login_max_failures, f"ip:{ip}": settings.login_max_failures_per_ip}
    window = timedelta(minutes=settings.login_lock_minutes)
    with sessions.begin() as db:
        attempt = {key: LoginFailure(key=key, failed_at=now) for key in limits}
        db.add_all(attempt.values())
        db.flush()
        own = {row.id for row in attempt.values()}
    with sessions.begin() as db:
        locked_for = _locked_for(db, limits, own, now, window)
        if locked_for is not None:
            db.execute(delete(LoginFailure).where(LoginFailure.id.in_(own)))
            return LoginResult(None, locked_for=locked_for)
        user = db.scalar(select(ConsoleUser).where(ConsoleUser.email == email))
        stored = user.password_hash if user else DUMMY_HASH
    good = verify_password(password, stored)
    with sessions.begin() as db:
        db.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - timedelta(days=1)))
        user = db.get(ConsoleUser, user.id) if user is not None else None
        if user is None or not good or not user.active:
            return LoginResult(None)
        db.execute(delete(LoginFailure).where(or_(LoginFailure.key == f"email:{email}", LoginFailure.id.in_(own))))
        user.last_login_at = now
    return LoginResult(user)


def _locked_for(db: Session, limits: dict[str, int], own: set[int], now: datetime, window: timedelta) -> timedelta | None:
    """How long the longest lock lasts, when any key has more than its limit of recent rows
    (this attempt's own row included), else None."""
    longest: timedelta | None = None
    for key, limit in limits.items():
        recent = db.scalars(select(LoginFailure).where(LoginFailure.key == key, LoginFailure.failed_at > now - window)
                            .order_by(LoginFailure.failed_at.desc(), LoginFailure.id.desc()).limit(limit + 2)).all()
        if len(recent) > limit:
            others = [row.failed_at for row in recent if row.id not in own][:limit]
            remaining = max(others[-1] + window - now, timedelta(seconds=1))  # the oldest of the last `limit` must age out
            longest = max(longest or remaining, remaining)
    return longest
