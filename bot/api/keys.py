"""API keys for the shop's systems: created once (the key is shown once and stored hashed),
checked on every request in constant time, revoked by name.

A key reads `crm_<prefix>_<secret>`: the prefix finds the row without scanning, the 256-bit
secret is what makes it unguessable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, utcnow
from models.api import API_ROLES

# What each role may do. Both shop systems report orders, redeem and keep the catalogue; readonly only looks up.
ROLE_PERMISSIONS = {
    "pos": frozenset({"orders:write", "coupons:redeem", "points:spend", "products:write", "events:write", "read"}),
    "eshop": frozenset({"orders:write", "coupons:redeem", "points:spend", "products:write", "events:write", "read"}),
    "readonly": frozenset({"read"}),
}
LAST_USED_RESOLUTION = timedelta(minutes=5)
PRESENTABLE = re.compile(r"[\x21-\x7e]{1,200}")
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


class ApiKeyError(Exception):
    """A key that cannot be created or revoked; the message says why."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, role: str) -> str:
    """Store a new key for a shop system and return it: the only time it is ever seen."""
    if role not in API_ROLES:
        raise ApiKeyError(f"role must be one of {', '.join(API_ROLES)}, not {role!r}")
    if not name.strip() or len(name) > 100:
        raise ApiKeyError("name must be 1-100 characters")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"a key named {name!r} exists (revoked keys keep their name); pick another name")
    prefix = secrets.token_hex(4)
    key = f"crm_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(name=name, role=role, prefix=prefix, key_hash=_digest(key)))
    session.flush()
    return key


def revoke_key(session: Session, name: str, now: datetime | None = None) -> None:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise ApiKeyError(f"no key named {name!r}")
    row.revoked_at = row.revoked_at or now or utcnow()


def authenticate(session: Session, presented: str | None) -> ApiKey | None:
    """The active key row for a presented key, or None. The hash comparison runs even when the
    prefix is unknown, so timing does not tell which prefixes exist. A key that cannot be one of
    ours (too long, not printable ASCII: a NUL would be an error on PostgreSQL) is not looked up."""
    if presented is not None and not PRESENTABLE.fullmatch(presented):
        presented = None
    parts = (presented or "").split("_")
    prefix = parts[1] if len(parts) >= 3 and parts[0] == "crm" else ""
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    matches = hmac.compare_digest(row.key_hash if row else _DUMMY_HASH, _digest(presented or ""))
    if row is None or not matches or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))
