"""The console's words in Traditional Chinese (the default) and English.

Why English keys: the templates stay readable to every developer, a missing translation shows
English instead of a blank, and a test checks that every string the console uses has its zh-TW.
"""

from __future__ import annotations

from flask import has_request_context, session

from bot.console.catalog import ZH_TW

CONSOLE_LANGUAGES = {"zh-TW": "繁體中文", "en": "English"}


def gettext(text: str, **fields: object) -> str:
    language = session.get("lang", "zh-TW") if has_request_context() else "zh-TW"
    translated = ZH_TW.get(text, text) if language != "en" else text
    return translated.format(**fields) if fields else translated

