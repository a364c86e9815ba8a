"""Console accounts: create, authenticate with throttling, change passwords, the first admin.

Why throttling lives in the database: the web tier can be several gunicorn processes on several
machines; counting failures in one process's memory would multiply an attacker's guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.config import ConsoleSettings
from bot.console.passwords import DUMMY_HASH, generate_password, hash_password, password_problem, verify_password
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
    problem = password_problem(password)
    if problem:
        raise UserError(f"password: {problem}")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def ensure_first_admin(session: Session, email: str) -> tuple[str, str] | None:
    """When no account exists yet, create an admin and return (email, password) to print once."""
    if session.scalar(select(func.count()).select_from(ConsoleUser)):
        return None
    user, password = create_user(session, email, "admin")
    return user.email, password


def authenticate(session: Session, email: str, password: str, ip: str, settings: ConsoleSettings,
                 now: datetime | None = None) -> LoginResult:
    """Check a login. Too many recent failures for the account or the address lock it for a while,
    whatever the password; each failure is recorded for both."""
    now = now or utcnow()
    email = email.strip().lower()
    keys = {f"email:{email}": settings.login_max_failures, f"ip:{ip}": settings.login_max_failures_per_ip}
    window = timedelta(minutes=settings.login_lock_minutes)
    longest: timedelta | None = None
    for key, limit in keys.items():
        recent = session.scalars(select(LoginFailure.failed_at).where(LoginFailure.key == key, LoginFailure.failed_at > now - window)
                                 .order_by(LoginFailure.failed_at.desc()).limit(limit)).all()
        if len(recent) >= limit:
            remaining = recent[-1] + window - now  # the oldest of the last `limit` failures must age out
            longest = max(longest or remaining, remaining)
    if longest is not None:
        return LoginResult(None, locked_for=longest)
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == email))
    good = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if user is None or not good or not user.active:
        session.add_all([LoginFailure(key=key, failed_at=now) for key in keys])
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - timedelta(days=1)))
        return LoginResult(None)
    session.execute(delete(LoginFailure).where(LoginFailure.key == f"email:{email}"))
    user.last_login_at = now
    return LoginResult(user)
