"""Console sessions on the server: one `console_sessions` row per signed-in browser.

Why: Flask's session is a signed cookie, valid until it expires wherever it is copied to. The
cookie here carries only a random session id; the row (keyed by the id's SHA-256, so a read of
the table yields no usable cookie) is what makes it valid. Signing out deletes the row; a password
change deletes the user's other rows; deactivating a user or resetting their password deletes all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import ConsoleSession, ConsoleUser, utcnow


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(db: Session, user_id: int, max_age: timedelta, now: datetime | None = None) -> str:
    """Record a new session and return its id for the cookie; sessions past `max_age` are swept."""
    now = now or utcnow()
    db.execute(delete(ConsoleSession).where(ConsoleSession.created_at < now - max_age))
    session_id = secrets.token_urlsafe(32)
    db.add(ConsoleSession(id=_key(session_id), user_id=user_id, created_at=now, last_seen_at=now))
    db.flush()
    return session_id


def session_user(db: Session, session_id: str) -> ConsoleUser | None:
    """The active user of a live session, or None when the session was ended (or never existed)."""
    row = db.execute(select(ConsoleUser).join(ConsoleSession, ConsoleSession.user_id == ConsoleUser.id)
                     .where(ConsoleSession.id == _key(session_id))).scalar_one_or_none()
    return row if row is not None and row.active else None


def touch(db: Session, session_id: str, now: datetime | None = None) -> None:
    db.execute(update(ConsoleSession).where(ConsoleSession.id == _key(session_id)).values(last_seen_at=now or utcnow()))


def end_session(db: Session, session_id: str) -> None:
    db.execute(delete(ConsoleSession).where(ConsoleSession.id == _key(session_id)))


def end_user_sessions(db: Session, user_id: int, keep: str | None = None) -> None:
    """End every session of a user, except `keep` (the session that changed its own password)."""
    query = delete(ConsoleSession).where(ConsoleSession.user_id == user_id)
    if keep:
        query = query.where(ConsoleSession.id != _key(keep))
    db.execute(query)
