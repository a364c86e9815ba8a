"""Signed tokens in email addresses and links: the conversation in a Reply-To, the address in an
unsubscribe link. HMAC-SHA256 with a purpose prefix, compared in constant time.

Also the signed return path (VERP) our mail is sent with: `bounces+<signature of the
recipient>@<our domain>`. A delivery report that comes back to it is about mail we sent to that
recipient, which is what lets a bounce change an address's state (a forged one cannot).

Why signed: a reply-to token decides which conversation (and so which customer's history) a mail
lands in, and an unsubscribe link changes consent without a login. Neither may be guessable or
forgeable from another one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

THREAD_TOKEN_RE = re.compile(r"^c(\d{1,18})\.([a-z2-7]{16})$")


def _signature(secret: bytes, purpose: str, value: str, length: int) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:length]


def thread_token(secret: bytes, conversation_id: int) -> str:
    """`c<conversation id>.<16 signature characters>`: fits in an address's local part."""
    return f"c{conversation_id}.{_signature(secret, 'thread', str(conversation_id), 16)}"


def read_thread_token(secret: bytes, token: str) -> int | None:
    match = THREAD_TOKEN_RE.match(token.lower())
    if not match:
        return None
    expected = _signature(secret, "thread", match.group(1), 16)
    return int(match.group(1)) if hmac.compare_digest(expected, match.group(2)) else None


def thread_token_in(addresses: tuple[str, ...] | list[str], local_part: str, domains: tuple[str, ...]) -> str | None:
    """The token of the first `<local_part>+<token>@<our domain>` among the addresses."""
    prefix = f"{local_part.lower()}+"
    for address in addresses:
        local, _, domain = address.lower().rpartition("@")
        if domain in domains and local.startswith(prefix):
            return local[len(prefix):]
    return None


BOUNCE_LOCAL_PART = "bounces"


def return_path(secret: bytes, recipient: str, domain: str) -> str:
    """The envelope sender for mail to `recipient`: 24 characters of local part, well under 64."""
    return f"{BOUNCE_LOCAL_PART}+{_signature(secret, 'bounce', recipient.lower(), 16)}@{domain}"


def return_path_is_for(secret: bytes, address: str, recipient: str, domains: tuple[str, ...]) -> bool:
    """True when `address` is the signed return path we send mail to `recipient` with."""
    local, _, domain = address.lower().rpartition("@")
    prefix = f"{BOUNCE_LOCAL_PART}+"
    if domain not in domains or not local.startswith(prefix):
        return False
    expected = _signature(secret, "bounce", recipient.lower(), 16)
    return hmac.compare_digest(expected, local[len(prefix):])


def unsubscribe_token(secret: bytes, address: str) -> str:
    encoded = base64.urlsafe_b64encode(address.lower().encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(secret, 'unsubscribe', address.lower(), 26)}"


def read_unsubscribe_token(secret: bytes, token: str) -> str | None:
    """The address the token was issued for, or None when it is malformed or not ours."""
    encoded, _, signature = token.partition(".")
    if not encoded or len(token) > 800:
        return None
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    expected = _signature(secret, "unsubscribe", address.lower(), 26)
    return address.lower() if "@" in address and hmac.compare_digest(expected, signature) else None


def signing_secret(secret_key: str) -> bytes:
    """The key for both tokens: the web secret key (required in production), or a fixed development
    key so the sandbox's links keep working across restarts."""
    return (secret_key or "development-only-email-token-key").encode()
