"""The console's words in Traditional Chinese (the default) and English.

Why English msgids: the templates stay readable to every developer, a missing translation shows
English instead of a blank, and English needs no catalog of its own; the zh-TW words are the
gettext catalog `locales/zh_TW/LC_MESSAGES/console.po` (extracted by `make messages` from every
`_()` call with a literal in the console's views and templates), read by the same loader as the bot's replies.

Why Flask-Babel: it chooses the locale once per request from the reader's language switch (the
session's "lang"), and Babel formats numbers and dates for that locale.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, get_locale

from bot.i18n.catalogs import catalog as parsed_catalog
from bot.i18n.catalogs import locale_of, translations

CONSOLE_LANGUAGES = {"zh-TW": "繁體中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-TW"
DOMAIN = "console"


def chosen_language() -> str:
    """The reader's console language: the session's switch, else Traditional Chinese."""
    lang = session.get("lang")
    return lang if lang in CONSOLE_LANGUAGES else DEFAULT_LANGUAGE


def install(app: Flask) -> None:
    """Let Flask-Babel pick each request's locale from the language switch."""
    Babel(app, locale_selector=lambda: locale_of(chosen_language()), default_domain=DOMAIN)


def reader_locale() -> str:
    """This request's locale ("zh_TW", "en"); zh_TW outside a console request."""
    if not has_request_context():
        return locale_of(DEFAULT_LANGUAGE)
    # Flask-Babel answers None before anything is stored on `g` in this request: ask the switch then.
    chosen = get_locale() if "babel" in current_app.extensions else None
    if chosen is None:
        return locale_of(chosen_language())
    return f"{chosen.language}_{chosen.territory}" if chosen.territory else chosen.language  # zh_TW, not zh_Hant_TW


def gettext(text: str, **fields: object) -> str:
    """The console's `_`: the words in the reader's language, fields filled in after the lookup."""
    translated = translations(DOMAIN, reader_locale()).gettext(text)
    return translated.format(**fields) if fields else translated


def ngettext(singular: str, plural: str, n: int, **fields: object) -> str:
    """The console's plural `_`: the form for `n` in the reader's language, `{n}` and the fields filled in.

    English falls back on the msgids ("1 seat per slot", "2 seats per slot"); zh-TW has one form.
    """
    translated = translations(DOMAIN, reader_locale()).ngettext(singular, plural, n)
    return translated.format(**{"n": n, **fields})


def catalog(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """English msgid -> translation, as the console's `.po` of a language holds it (for checks).

    A plural entry appears under its singular and its plural msgid, each with the first form.
    """
    found = parsed_catalog(DOMAIN, language)
    words: dict[str, str] = {}
    for message in found or ():
        if isinstance(message.id, tuple | list):
            forms = [str(form) for form in message.string] if isinstance(message.string, tuple | list) else [str(message.string)]
            words.update({str(english): forms[0] for english in message.id})
        elif message.id:
            words[str(message.id)] = str(message.string)
    return words


ZH_TW = catalog("zh-TW")  # what the tests check every console string against
