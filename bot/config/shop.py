"""The shop's own words: [shop] (name, welcome, incentive) and the keyword answers of [[faq]]."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from bot.config.fields import LanguageText, problem, rule, section


@section
class ShopSettings:
    name: Annotated[str, rule(lambda name: bool(name.strip()), "must be a non-empty string")] = "Demo Shop"
    welcome: LanguageText = Field(default_factory=dict, validate_default=True)
    incentive: LanguageText = Field(default_factory=dict, validate_default=True)

def _keywords(words: tuple[str, ...]) -> tuple[str, ...]:
    if not words or not all(word.strip() for word in words):
        raise problem("expected a non-empty list of words")
    return tuple(word.strip().lower() for word in words)

@section
class FaqEntry:
    """One keyword answer: any keyword found in the customer's text selects this answer."""

    keywords: Annotated[tuple[str, ...], AfterValidator(_keywords)]
    answer: LanguageText

