"""Text and JSON made storable on every database we run on.

Why: PostgreSQL refuses U+0000 in `text` and `jsonb`, and no driver can encode a lone surrogate
(`\\udcxx`, what Python's `surrogateescape` and JSON's `"\\ud800"` produce). Customers, mail
clients and attackers send both. Every value that came from outside passes through here before it
is stored, so one odd character costs only itself (it becomes U+FFFD) instead of the whole event.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """`value` with NUL removed and lone surrogates replaced by U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else REPLACEMENT, value)


def clean_json(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, numbers) with every string, key included, cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def has_unstorable(value: str) -> bool:
    """True when `value` holds a character `clean_text` would change."""
    return _UNSTORABLE.search(value) is not None
