"""Keyword answers from config, the language switch, and the fallback menu.

The fallback never leaves a customer in silence: it offers what the bot can do (FAQ topics,
booking, a human). A customer it fails twice in a row is told plainly how to get help (the
streak lives in the dialogue state).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import LANGUAGES, FaqEntry
from bot.crm.faq_store import cached_faq_entries
from bot.engine import Context
from bot.events import Button, Outbound
from bot.i18n import next_language, pick, text, text_of
from bot.i18n.commerce import say as commerce_text
from bot.i18n.texts import CARE as CARE_TEXTS
from bot.i18n.texts import DIALOGUE as DIALOGUE_TEXTS
from handlers import welcome
from handlers.common import is_command, say

MAX_MENU_FAQS = 4
# Whole-message small talk (punctuation and width ignored): answered kindly, never with "I did not understand".
GREETING_WORDS = ("你好", "您好", "哈囉", "哈啰", "嗨", "安安", "早安", "午安", "晚安", "hi", "hello", "hey", "hi there",
                  "hello there", "good morning", "good afternoon", "good evening")
THANKS_WORDS = ("謝謝", "谢谢", "感謝", "感谢", "多謝", "多谢", "謝啦", "谢啦", "謝謝你", "谢谢你", "謝謝您", "谢谢您",
                "thanks", "thank you", "thx", "thanks a lot", "thank you very much")


def _faq(ctx: Context) -> tuple[FaqEntry, ...]:
    """The answers edited in the console, or config's until there are any (bot/crm/faq_store.py); from
    the process's cache while unedited, looked up once per event, though the keyword handler, the
    menu and the fallback all look at them."""
    if "faq" not in ctx.memo:
        ctx.memo["faq"] = cached_faq_entries(ctx.session, ctx.settings)
    return ctx.memo["faq"]


def _answer(ctx: Context, index: int) -> list[Outbound]:
    entry = _faq(ctx)[index]
    return with_menu(ctx, pick(entry.answer, ctx.language, ctx.settings.app.default_language))


def with_menu(ctx: Context, text: str) -> list[Outbound]:
    """A reply with the menu; a newcomer's first message (no follow) also gets the welcome
    incentive and the join button, once (handlers/welcome.py)."""
    buttons = menu_buttons(ctx)
    offer = welcome.offer_once(ctx)
    if offer:
        text = "\n".join([text, *offer])
        buttons = (welcome.join_button(ctx), *buttons)[:13]
    return [Outbound(text, quick_replies=buttons)]


def on_small_talk(ctx: Context) -> Sequence[Outbound] | None:
    """"你好", "hi", "謝謝", "thanks" on their own: a friendly answer and the menu."""
    if ctx.event.kind != "text" or ctx.event.chat_type != "user":
        return None
    key = "greeting" if is_command(ctx.text, GREETING_WORDS) else "thanks" if is_command(ctx.text, THANKS_WORDS) else None
    if key is None:
        return None
    _reset_streak(ctx)
    return with_menu(ctx, say(ctx, DIALOGUE_TEXTS, key))


def _reset_streak(ctx: Context) -> None:
    if ctx.state is not None and ctx.state.data.get("fallback_streak"):
        ctx.state.data = {**ctx.state.data, "fallback_streak": 0}


def on_faq_keyword(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.kind != "text" or not ctx.text:
        return None
    lowered = ctx.text.lower()
    for index, entry in enumerate(_faq(ctx)):
        if any(keyword in lowered for keyword in entry.keywords):
            _reset_streak(ctx)
            return _answer(ctx, index)
    return None


def on_menu_postback(ctx: Context) -> Sequence[Outbound] | None:
    """Postbacks from our own menu: `faq:<n>` and `lang:<code>`. Anything else is not ours."""
    data = ctx.postback
    if data.startswith("faq:"):
        number = data[4:]
        if number.isdigit() and int(number) < len(_faq(ctx)):
            _reset_streak(ctx)
            return _answer(ctx, int(number))
        return None
    if data.startswith("lang:") and data[5:] in LANGUAGES and ctx.customer is not None:
        ctx.customer.language = data[5:]
        _reset_streak(ctx)
        return [Outbound(ctx.t("language_set"), quick_replies=menu_buttons(ctx))]
    return None


def on_attachment(ctx: Context) -> Sequence[Outbound] | None:
    """Files, images and locations from a customer in a 1:1 chat are acknowledged, not ignored."""
    if ctx.event.kind in ("image", "attachment", "location") and ctx.event.chat_type == "user":
        return [Outbound(ctx.t("attachment_received"))]
    return None


def fallback(ctx: Context) -> Sequence[Outbound] | None:
    """Anything not understood in a 1:1 chat gets the menu. Group chatter is left alone."""
    if ctx.event.chat_type != "user" or ctx.event.kind not in ("text", "postback", "sticker"):
        return []
    streak = 0
    if ctx.state is not None:
        streak = int(ctx.state.data.get("fallback_streak", 0)) + 1
        ctx.state.data = {**ctx.state.data, "fallback_streak": streak}
    key = "fallback_again" if streak >= 2 else "fallback"
    return with_menu(ctx, ctx.t(key))


def menu_buttons(ctx: Context) -> tuple[Button, ...]:
    """The FAQ topics (by their first keyword in the customer's script), booking, a human, the
    customer's coupons and points, and the language switch."""
    buttons = []
    for index, entry in enumerate(_faq(ctx)[:MAX_MENU_FAQS]):
        label = _label(entry.keywords, ctx.language)
        buttons.append(Button(label=label, data=f"faq:{index}", text=label))
    for key, data in (("book_button", "book:start"), ("human_button", "human:start")):
        label = text_of(CARE_TEXTS, key, ctx.language)
        buttons.append(Button(label=label, data=data, text=label))
    for key, data in (("menu_coupons", "coupons:list"), ("menu_points", "points:show")):
        label = commerce_text(key, ctx.language)
        buttons.append(Button(label=label, data=data, text=label))
    target = next_language(ctx.language)
    buttons.append(Button(label=text("menu_language", ctx.language), data=f"lang:{target}"))
    return tuple(buttons)


def _label(keywords: Sequence[str], language: str) -> str:
    """Pick a keyword that reads right for the language: Latin for English, CJK otherwise."""
    latin = [k for k in keywords if k.isascii()]
    cjk = [k for k in keywords if not k.isascii()]
    if language == "en" and latin:
        return latin[0].capitalize()
    if language == "zh-CN" and len(cjk) > 1:
        return cjk[1]
    return (cjk or latin)[0]
