"""Every reply text the bot can send is in the gettext catalogs (locales/<locale>/LC_MESSAGES/bot.po)
in all three languages and is not empty, with the same fields and the plural forms each language
needs; and the one lookup they all go through falls back to the shop's default language."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.config import LANGUAGES
from bot.i18n import catalogs, text
from bot.i18n.texts import REFERENCE_LANGUAGE

FIELD = re.compile(r"\{(\w+)\}")
OWN_FIELDS = {"commerce.gives_percent"}  # Chinese names what is paid ("9 折"), English what is taken off


def messages(domain: str, language: str) -> dict[str, tuple[str, ...]]:
    """msgid -> its translations (one per plural form), as the .po file holds them."""
    path = catalogs.po_path(domain, language)
    assert path.is_file(), f"{path} is missing"
    with path.open("rb") as po:
        catalog = read_po(po, locale=catalogs.locale_of(language))
    found = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        found[key] = tuple(message.string) if isinstance(message.string, tuple) else (message.string,)
    assert not catalog.obsolete, f"{path}: obsolete entries {sorted(catalog.obsolete)}; delete them or bring them back"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_written_in_every_language(language):
    reference, translated = messages("bot", REFERENCE_LANGUAGE), messages("bot", language)
    gaps = [(key, language) for key in reference if not all((s or "").strip() for s in translated.get(key, ("",)))]
    assert gaps == []
    extra = [(key, language) for key in translated if key not in reference]
    assert extra == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_fields_match_the_reference_language(language):
    reference, translated = messages("bot", REFERENCE_LANGUAGE), messages("bot", language)
    differ = [key for key, strings in translated.items() if key not in OWN_FIELDS
              if {f for s in strings for f in FIELD.findall(s)} != {f for s in reference[key] for f in FIELD.findall(s)}]
    assert differ == []


def test_the_lookup_falls_back_to_the_default_language_and_fills_fields(tmp_path, monkeypatch):
    for locale, hello in (("zh_TW", "{name} 您好"), ("en", "Hello {name}")):
        (tmp_path / locale / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / locale / "LC_MESSAGES" / "bot.po").write_text(f'msgid "hello"\nmsgstr "{hello}"\n', encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALES", tmp_path)
    catalogs.reload()
    try:
        assert text("hello", "en", name="<b>Amy</b>") == "Hello <b>Amy</b>"
        assert text("hello", "zh-CN", "zh-TW", name="美玲") == "美玲 您好"
        assert text("hello", "zh-CN", "en", name="{x}") == "Hello {x}"  # a value is never parsed again
    finally:
        monkeypatch.undo()
        catalogs.reload()


def test_a_count_picks_the_plural_form_of_the_language():
    assert text("commerce.coupons_more", "en", n=1, count=1) == "(1 older coupon not shown)"
    assert text("commerce.coupons_more", "en", n=3, count=3) == "(3 older coupons not shown)"
    assert text("commerce.coupons_more", "zh-TW", n=1, count=1) == "（另有 1 張較舊的優惠券未列出）"
    with pytest.raises(KeyError):
        text("no.such.key", "en")
