"""The building blocks of the section models: how a section is declared, the value types, the rules.

A section is a frozen pydantic dataclass: assigning to it raises AttributeError like any frozen
dataclass, `dataclasses.replace` still works, and unknown keys are refused. The scalar types are
strict, so `port = "8000"` in the file is refused rather than silently converted; the environment's
strings are parsed into these types before validation (see `sources`). A rule's message is the
project's own wording; `errors.config_error` puts the key in front of it.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, Strict
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError
from typing_extensions import dataclass_transform

from bot.config.errors import ConfigError

LANGUAGES = ("zh-TW", "en", "zh-CN")

SectionT = TypeVar("SectionT")


@dataclass_transform(frozen_default=True, field_specifiers=(Field,))
def section(cls: type[SectionT]) -> type[SectionT]:
    """Declare a settings section (or one entry of a `[[list]]`): typed, frozen, no unknown keys."""
    return dataclass(frozen=True, config=ConfigDict(extra="forbid"))(cls)  # type: ignore[return-value]


Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]  # strict still takes a whole number for a float
Bool = Annotated[bool, Strict()]
TextList = tuple[str, ...]  # a TOML list, or from the environment a comma-separated string
IntList = tuple[Int, ...]


def problem(message: str) -> PydanticCustomError:
    """An error whose text is exactly `message` (braces and all)."""
    return PydanticCustomError("config", "{message}", {"message": message})


def rule(holds: Callable[[Any], bool], message: str) -> AfterValidator:
    """A check on one value; `message` may say `{value}`."""

    def check(value: Any) -> Any:
        if not holds(value):
            raise problem(message.format(value=value))
        return value

    return AfterValidator(check)


def each(holds: Callable[[Any], bool], message: str) -> AfterValidator:
    """A check on every item of a list; the error names the first item that fails, as `{value}` in
    `message`, so the admin sees which entry to fix rather than only that one is wrong."""

    def check(items: tuple[Any, ...]) -> tuple[Any, ...]:
        bad = [item for item in items if not holds(item)]
        if bad:
            raise problem(message.format(value=bad[0]))
        return items

    return AfterValidator(check)


def at_least(low: float) -> AfterValidator:
    return rule(lambda value: value >= low, f"must be at least {low}")


def between(low: int, high: int) -> AfterValidator:
    return rule(lambda value: low <= value <= high, f"must be between {low} and {high}, got {{value}}")


POSITIVE = rule(lambda value: value > 0, "must be greater than 0")
NOT_NEGATIVE = rule(lambda value: value >= 0, "must not be negative")


def both_or_neither(first: object, second: object, where: str, names: tuple[str, str]) -> None:
    """Refuse a half-configured pair (a token without its secret, a certificate without its key):
    either alone would start a feature that fails on its first use instead of at startup."""
    if bool(first) != bool(second):
        raise ConfigError(f"{where}: set both {names[0]} and {names[1]}, or neither")


def _language_map(value: Any) -> Any:
    """One text for every language, or a table of language = text."""
    if isinstance(value, str):
        return {language: value for language in LANGUAGES}
    if not isinstance(value, Mapping) or not all(isinstance(text, str) for text in value.values()):
        raise problem("expected a string or a table of language = text")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise problem(f"unknown language {unknown[0]!r} (use {', '.join(LANGUAGES)})")
    return dict(value)


LanguageText = Annotated[Mapping[str, str], BeforeValidator(_language_map), AfterValidator(types.MappingProxyType)]


class Coded(Protocol):
    @property
    def code(self) -> str: ...


EntryT = TypeVar("EntryT", bound=Coded)


def codes_once(list_key: str, verb: str) -> Callable[[tuple[EntryT, ...]], tuple[EntryT, ...]]:
    """A rule for a `[[list]]` whose entries are found by `code`: each code may appear once (a
    second entry with the same code would silently win over the first wherever it is looked up)."""

    def check(entries: tuple[EntryT, ...]) -> tuple[EntryT, ...]:
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            code = entry.code
            if code in seen:
                raise ConfigError(f"{list_key}[{index}].code: {code!r} {verb}")
            seen.add(code)
        return entries

    return check

