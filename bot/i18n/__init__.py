"""Reply texts in the three languages, and a cheap guess of which one a customer writes in.

Why a guess from characters: LINE tells us no language on a text message, and a customer who
writes "book" or "预约" expects an answer in English or Simplified Chinese. Characters that exist
only in one script decide; text that could be either keeps the customer's current language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.config import LANGUAGES

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

CATALOG: dict[str, dict[str, str]] = {
    "welcome": {
        "zh-TW": "歡迎加入{shop}！",
        "en": "Welcome to {shop}!",
        "zh-CN": "欢迎加入{shop}！",
    },
    "welcome_back": {
        "zh-TW": "歡迎回來{shop}！",
        "en": "Welcome back to {shop}!",
        "zh-CN": "欢迎回来{shop}！",
    },
    "group_hello": {
        "zh-TW": "大家好，我是{shop}的小幫手。",
        "en": "Hello everyone, I am {shop}'s assistant.",
        "zh-CN": "大家好，我是{shop}的小帮手。",
    },
    "fallback": {
        "zh-TW": "抱歉，我不太懂您的意思。您可以選擇下面的項目：",
        "en": "Sorry, I did not understand that. Here is what I can help with:",
        "zh-CN": "抱歉，我不太懂您的意思。您可以选择下面的项目：",
    },
    "fallback_again": {
        "zh-TW": "看來我沒幫上忙。請點選下方項目，或直接輸入關鍵字，例如「營業時間」。",
        "en": "It seems I am not helping. Tap one of the options below, or type a keyword such as \"hours\".",
        "zh-CN": "看来我没帮上忙。请点选下方项目，或直接输入关键字，例如“营业时间”。",
    },
    "attachment_received": {
        "zh-TW": "已收到您的檔案，謝謝！",
        "en": "Thanks, we received your file.",
        "zh-CN": "已收到您的文件，谢谢！",
    },
    "language_set": {
        "zh-TW": "好的，之後會用繁體中文回覆您。",
        "en": "OK, I will answer in English from now on.",
        "zh-CN": "好的，之后会用简体中文回复您。",
    },
    "menu_language": {"zh-TW": "English", "en": "中文", "zh-CN": "繁體中文"},
    "opted_out": {
        "zh-TW": "已為您取消行銷訊息，之後不會再收到優惠通知。您仍可隨時傳訊息給我們。",
        "en": "You will no longer receive marketing messages. You can still write to us any time.",
        "zh-CN": "已为您取消营销消息，之后不会再收到优惠通知。您仍可随时发消息给我们。",
    },
    "help": {
        "zh-TW": "我可以回答營業時間、地址等問題，也可以切換語言。請點選下方項目，或直接輸入您的問題。",
        "en": "I can answer questions such as our opening hours and address, and switch languages. Tap an option or type your question.",
        "zh-CN": "我可以回答营业时间、地址等问题，也可以切换语言。请点选下方项目，或直接输入您的问题。",
    },
    "processing_failed": {
        "zh-TW": "抱歉，系統暫時無法處理您的訊息，我們會盡快處理。",
        "en": "Sorry, we could not process your message just now. We will look into it.",
        "zh-CN": "抱歉，系统暂时无法处理您的消息，我们会尽快处理。",
    },
}


Catalog = Mapping[str, Mapping[str, str]]


def text_of(catalog: Catalog, key: str, language: str, default_language: str = "zh-TW", **fields: object) -> str:
    """The one lookup every reply text goes through, whichever catalog holds it (this module's,
    `bot/i18n/commerce.py`, `handlers/texts/*.py`): the text in the customer's language, else in the
    shop's default language, with the fields filled in. Customer-supplied field values are inserted
    as they are, never parsed again."""
    return pick(catalog[key], language, default_language).format(**fields)


def translate(key: str, language: str, **fields: object) -> str:
    return text_of(CATALOG, key, language, **fields)


def pick(texts: Mapping[str, str], language: str, default_language: str = "zh-TW") -> str:
    """The text for a language from a language map, falling back to the shop's default."""
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


def language_after(text: str, current: str, previous: str | None) -> str | None:
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
    `previous` is the customer's previous text message in this conversation ("" when unknown).
    """
    detected = detect_language(text)
    if detected is None or detected == current:
        return None
    if detected != "en":
        return detected
    words = [w for w in (m.lower() for m in LATIN_WORD.findall(text)) if w not in LOANWORDS]
    if len(words) >= SENTENCE_WORDS or previous is None:
        return "en"
    if words and detect_language(previous) == "en":
        return "en"
    return None


def next_language(language: str) -> str:
    """The language the menu's language button switches to."""
    return {"zh-TW": "en", "en": "zh-TW", "zh-CN": "zh-TW"}.get(language, LANGUAGES[0])
