"""The one error a bad setting raises, and how pydantic's validation errors become its one line.

Start-up stops with `configuration error: <key>: <what is wrong>`: the key as written in
config.toml (`web.port`, `services[2].hours`, `tiers[0].favourite`) and the problem in words an
operator can act on, never pydantic's multi-line report.
"""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the key and what is wrong."""


_EXPECTED = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "a string",
    "tuple_type": "a list", "list_type": "a list",
}
_FIXED = {
    "extra_forbidden": "unknown key", "unexpected_keyword_argument": "unknown key",
    "missing": "missing", "missing_argument": "missing",
    "dict_type": "must be a table", "dataclass_type": "must be a table", "model_type": "must be a table",
}


def key_path(location: tuple[int | str, ...]) -> str:
    """("services", 2, "hours") -> "services[2].hours"."""
    key = ""
    for part in location:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def config_error(error: ValidationError, prefix: tuple[int | str, ...] = ()) -> ConfigError:
    """The first problem pydantic found, as one line naming its key."""
    first = error.errors()[0]
    kind = first["type"]
    if kind in _EXPECTED:
        problem = f"expected {_EXPECTED[kind]}, got {first['input']!r}"
    else:
        problem = _FIXED.get(kind, first["msg"])
    return ConfigError(f"{key_path((*prefix, *first['loc']))}: {problem}")
