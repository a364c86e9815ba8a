"""Every reply text the bot can send, whichever catalog holds it, exists in all three languages and
is not empty; and the one lookup they all go through falls back to the shop's default language."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.config import LANGUAGES
from bot.i18n import commerce as commerce_i18n
from handlers.texts import booking, care, consent, dialogue, leads, loyalty

CATALOGS = {"bot/i18n/__init__.py": i18n.CATALOG, "bot/i18n/commerce.py": commerce_i18n.CATALOG, "handlers/texts/booking.py": booking.TEXTS,
            "handlers/texts/care.py": care.TEXTS, "handlers/texts/consent.py": consent.TEXTS, "handlers/texts/leads.py": leads.TEXTS,
            "handlers/texts/dialogue.py": dialogue.TEXTS, "handlers/texts/loyalty.py": loyalty.TEXTS}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_text_is_written_in_every_language(name):
    gaps = [(key, language) for key, texts in CATALOGS[name].items() for language in LANGUAGES if not (texts.get(language) or "").strip()]
    assert gaps == []
    extra = [(key, language) for key, texts in CATALOGS[name].items() for language in texts if language not in LANGUAGES]
    assert extra == []


def test_the_lookup_falls_back_to_the_default_language_and_fills_fields():
    catalog = {"hello": {"zh-TW": "{name} 您好", "en": "Hello {name}"}}
    assert i18n.text_of(catalog, "hello", "en", name="<b>Amy</b>") == "Hello <b>Amy</b>"
    assert i18n.text_of(catalog, "hello", "zh-CN", "zh-TW", name="美玲") == "美玲 您好"
    assert i18n.text_of(catalog, "hello", "zh-CN", "en", name="{x}") == "Hello {x}"  # a value is never parsed again
