"""Reading a request body as JSON that every later step can trust, in one place for every route.

Why not `request.get_json()`: Python's parser raises RecursionError (a 500) on `[[[[...` nested
100,000 deep, accepts `NaN` and `Infinity`, turns `1e400` into infinity, raises on an integer of
more than 4,300 digits, and lets U+0000 and unpaired surrogates (`"\\ud800"`) through, which
PostgreSQL refuses in text and JSONB (another 500, after the request did half its work). Here each
of those is refused before any route looks at the body, with the JSON path of the bad value, so
the shop system's developer knows what to fix (422), and a body that is not JSON at all gets 400.
Parsing and the walk for bad values are `bot.safe_json`'s (webhooks share them); what is the API's
own is the request, its error types and words, and where a body too deep to parse went too deep.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request

from bot.api.errors import ApiError, invalid
from bot.safe_json import Path, Problem, TooDeep, first_problem, loads
from bot.safe_text import clean_text

MAX_DEPTH = 16  # our bodies nest three levels (items[0].name); anything deeper is a mistake or an attack
MAX_INT_DIGITS = 30  # more than any column holds (NUMERIC(12, 2), BIGINT), far below Python's 4,300
MAX_KEY_LENGTH = 100
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


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
        value = loads(text, int_range=(1 - 10 ** MAX_INT_DIGITS, 10 ** MAX_INT_DIGITS - 1))
    except TooDeep:
        raise invalid(_too_deep(text), f"nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                       field="body") from None
    found = first_problem(value, max_depth=MAX_DEPTH, check_text=True, max_key_length=MAX_KEY_LENGTH)
    if found is not None:
        raise _refusal(found)
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


def _refusal(found: Problem) -> ApiError:
    """The 422 for the first value that could not be stored or computed with, naming its path."""
    field = _path_text(found.path)
    if found.kind == "key":
        return invalid(field, f"is not a field name: at most {MAX_KEY_LENGTH} characters, no U+0000 or unpaired surrogate")
    where = field or "body"
    if found.kind == "too_deep":
        return invalid(where, f"nests deeper than {MAX_DEPTH} levels")
    if found.kind == "text":
        return invalid(where, "must not contain U+0000 (NUL) or an unpaired UTF-16 surrogate (\\ud800-\\udfff)")
    if found.value.kind == "float":
        return invalid(where, "must be a finite number (not Infinity, NaN or beyond 1.8e308)")
    return invalid(where, f"is a number out of range ({found.value.source[:20]}...); send a finite number of at most {MAX_INT_DIGITS} digits")


def _path_text(path: Path) -> str:
    """`path` as the API names fields (`items[0].name`), keys cleaned and cut to be printable."""
    text = ""
    for step in path:
        text = _child(text, step if isinstance(step, int) else clean_text(step)[:MAX_KEY_LENGTH])
    return text
