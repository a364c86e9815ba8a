"""Reading a request body as JSON that every later step can trust, in one place for every route.

Why not `request.get_json()`: Python's parser raises RecursionError (a 500) on `[[[[...` nested
100,000 deep, accepts `NaN` and `Infinity`, turns `1e400` into infinity, raises on an integer of
more than 4,300 digits, and lets U+0000 and unpaired surrogates (`"\\ud800"`) through, which
PostgreSQL refuses in text and JSONB (another 500, after the request did half its work). Here each
of those is refused before any route looks at the body, with the JSON path of the bad value, so
the shop system's developer knows what to fix (422), and a body that is not JSON at all gets 400.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from flask import request

from bot.api.errors import ApiError, invalid
from bot.safe_text import clean_text, has_unstorable

MAX_DEPTH = 16  # our bodies nest three levels (items[0].name); anything deeper is a mistake or an attack
MAX_INT_DIGITS = 30  # more than any column holds (NUMERIC(12, 2), BIGINT), far below Python's 4,300
MAX_KEY_LENGTH = 100
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


class _OutOfRange:
    """Stands in for a number JSON allows but nothing here can hold (NaN, Infinity, 10**5000),
    so the walk below can name where it was instead of the parser failing without a path."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _OutOfRange:
    return _OutOfRange(text[:20]) if len(text.lstrip("-")) > MAX_INT_DIGITS else int(text)


def read_json() -> Any:
    """The request's JSON body, every value in it storable; raises ApiError otherwise."""
    if not request.is_json:
        raise invalid("body", "send a JSON object with Content-Type: application/json")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: werkzeug answers 413
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not UTF-8 (byte {exc.start})", field="body") from None
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_OutOfRange)
    except RecursionError:
        raise invalid(_too_deep(text), f"nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                       field="body") from None
    _check(value, "", 0)
    return value


def _too_deep(text: str) -> str:
    """The path of the first container nested deeper than MAX_DEPTH, found by a flat scan of the
    tokens (the parser recursed too deep to say where)."""
    kinds: list[str] = []
    steps: list[str | int] = []  # per open container: the key or index of its current child
    last = ""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            if len(kinds) >= MAX_DEPTH:
                break
            kinds.append(token)
            steps.append(0 if token == "[" else "")
        elif token in ("]", "}") and kinds:
            kinds.pop()
            steps.pop()
        elif token == "," and kinds and kinds[-1] == "[":
            steps[-1] = int(steps[-1]) + 1
        elif token == ":" and kinds and kinds[-1] == "{":
            steps[-1] = last
        elif token.startswith('"'):
            try:
                last = clean_text(json.loads(token))[:MAX_KEY_LENGTH]
            except ValueError:
                last = "?"
    path = ""
    for step in steps:
        path = _child(path, step)
    return path or "body"


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path or 'body'}[{key}]"
    return f"{path}.{key}" if path else key


def _check(value: Any, path: str, depth: int) -> None:
    """Refuse the first value that could not be stored or computed with, naming its path."""
    where = path or "body"
    if depth > MAX_DEPTH:
        raise invalid(where, f"nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if has_unstorable(value):
            raise invalid(where, "must not contain U+0000 (NUL) or an unpaired UTF-16 surrogate (\\ud800-\\udfff)")
    elif isinstance(value, _OutOfRange):
        raise invalid(where, f"is a number out of range ({value.text}...); send a finite number of at most {MAX_INT_DIGITS} digits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise invalid(where, "must be a finite number (not Infinity, NaN or beyond 1.8e308)")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if has_unstorable(key) or len(key) > MAX_KEY_LENGTH:
                name = clean_text(key)[:MAX_KEY_LENGTH]
                raise invalid(_child(path, name), f"is not a field name: at most {MAX_KEY_LENGTH} characters, no U+0000 or unpaired surrogate")
            _check(item, _child(path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, _child(path, index), depth + 1)
