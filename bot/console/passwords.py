"""Password hashing with scrypt from the standard library: memory-hard, salted, no new package.

The stored form names its parameters (`scrypt$n$r$p$salt$hash`), so they can be raised later and
old hashes still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1  # about 16 MiB and some tens of milliseconds per check
KEY_BYTES = 32
MIN_LENGTH = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES, maxmem=64 * 1024 * 1024)
    return "$".join(("scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def generate_password() -> str:
    """A password a person can type from a terminal: 16 URL-safe characters, about 96 bits."""
    return secrets.token_urlsafe(12)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > 200:
        return "at most 200 characters"
    return None


# A hash of a random password, checked when the email is unknown so that a wrong email takes as
# long as a wrong password and does not tell an attacker which accounts exist.
DUMMY_HASH = hash_password(secrets.token_hex(8))
