"""Reply texts in the three languages (looked up by `text`, from the gettext catalogs under
`locales/`), and a cheap guess of which one a customer writes in.

Why a guess from characters: LINE tells us no language on a text message, and a customer who
writes "book" or "预约" expects an answer in English or Simplified Chinese. Characters that exist
only in one script decide; text that could be either keeps the customer's current language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bot.config import LANGUAGES
from bot.i18n.texts import Section, text, text_of

__all__ = ["Catalog", "Section", "text", "text_of", "pick", "detect_language", "language_after", "next_language"]

# Common characters that exist only in the simplified or only in the traditional script.
SIMPLIFIED_ONLY = set(
    "们这预约优点数个时间么吗说话请问资订单营业话谢还买卖网络电邮发账号员医疗门诊关闭开后诉离谱让给钱"
    "烂气务达过对没为样会来动书东车边货换应该题实现经验处见无报伤师"
)
TRADITIONAL_ONLY = set(
    "們這預約優點數個時間麼嗎說話請問資訂單營業謝還買賣網絡電郵發帳號員醫療門診關閉開後訴離譜讓給錢爛"
    "氣務達過對沒為樣會來動書東車邊貨換應該題實現經驗處見無報傷師"
)
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# The lookup of reply texts (gettext catalogs under locales/) lives in bot/i18n/texts.py.
Catalog = Section  # what handlers and the domain pass to `text_of`: one feature's keys


def pick(texts: Mapping[str, str], language: str, default_language: str = "zh-TW") -> str:
    """The text for a language from a language map the shop wrote itself (config.toml, the
    console: a service's name, an FAQ answer), falling back to the shop's default. The bot's own
    texts are in the catalogs, through `text`."""
    return texts.get(language) or texts.get(default_language) or next(iter(texts.values()), "")


def detect_language(text: str) -> str | None:
    """`en`, `zh-CN`, `zh-TW`, or None when the text does not tell."""
    chars = set(text)
    simplified, traditional = len(chars & SIMPLIFIED_ONLY), len(chars & TRADITIONAL_ONLY)
    if simplified > traditional:
        return "zh-CN"
    if traditional > simplified:
        return "zh-TW"
    if not CJK.search(text) and LATIN_WORD.search(text):
        return "en"
    return None


# Words a Chinese-speaking customer drops into a Chinese conversation ("ok", "hello", "thanks"):
# on their own they say nothing about which language the customer wants to read.
LOANWORDS = frozenset({"ok", "okay", "okey", "hi", "hello", "hey", "thanks", "thank", "thx", "you", "yes", "no", "bye",
                       "sorry", "lol", "haha", "oh", "wow", "nice", "cool", "good", "fine", "sure", "please", "pls"})
SENTENCE_WORDS = 2  # this many words (not counting the loanwords above) make an English sentence


def language_after(text: str, current: str, previous: str | None | Callable[[], str | None]) -> str | None:
    """The customer's language after this message, or None to keep `current`.

    Why a rule and not the last message's guess: "ok" or "hello" inside a Chinese conversation is
    not a request for English replies, but a customer who writes English sentences is.
    - Chinese decides by its script, as before: characters only in the simplified (or only in the
      traditional) script switch between zh-CN and zh-TW; text that could be either changes nothing.
    - English needs a clear signal: a sentence (at least SENTENCE_WORDS words that are not loanwords,
      "What are your opening hours?"), or English with at least one such word right after another
      English message (two in a row), or any English as the customer's first message here
      (`previous` is None: nothing yet says they read Chinese). The language button is handled
      by the menu, not here.
    `previous` is the customer's previous text message in this conversation ("" when unknown), or a
    function that reads it: it is only needed for a short English message, so the worker does not
    query it for every text.
    """
    detected = detect_language(text)
    if detected is None or detected == current:
        return None
    if detected != "en":
        return detected
    words = [w for w in (m.lower() for m in LATIN_WORD.findall(text)) if w not in LOANWORDS]
    if len(words) >= SENTENCE_WORDS:
        return "en"
    if callable(previous):
        previous = previous()
    if previous is None:
        return "en"
    if words and detect_language(previous) == "en":
        return "en"
    return None


def next_language(language: str) -> str:
    """The language the menu's language button switches to."""
    return {"zh-TW": "en", "en": "zh-TW", "zh-CN": "zh-TW"}.get(language, LANGUAGES[0])
