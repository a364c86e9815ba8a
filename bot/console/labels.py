"""Words for values the bot stores as codes (lead sources, consent sources, order sources, ledger
notes, channels, languages), as the console shows them in the reader's language.

Why here and not in the templates: the stored values are compact codes that other parts of the
product parse (`line:direct`, `referral:ABCD2345`, `api:till`); staff should read "LINE 直接加入",
not the code. Anything unknown is shown as stored, so nothing is hidden.
"""

from __future__ import annotations

import re
from typing import Any

from bot.console.i18n import gettext as _
from bot.i18n import pick
from channels import registry

CHANNELS = registry.names()
# the second half of a consent source (`line:follow`), as handlers/consent.py and the channels write it
CONSENT_HOW = {"follow": "followed", "unfollow": "blocked", "command": "a command in the chat", "lead_capture": "sign-up",
               "list-unsubscribe": "unsubscribe link", "opt_out": "opted out", "spam": "marked as spam",
               "spam_complaint": "marked as spam"}
LANGUAGE_NAMES = {"zh-TW": "Traditional Chinese", "zh-CN": "Simplified Chinese", "en": "English"}
_REFERRAL_NOTE = re.compile(r"customer (\d+) first purchase")
# ledger notes the bot writes itself; None = the entry's kind already says it all
SYSTEM_NOTES: dict[str, str | None] = {"purchase": None, "refund": None, "points past their validity": None}


def channel_label(channel: str | None) -> str:
    return _(channel) if channel in CHANNELS else (channel or "—")


def language_label(code: str | None) -> str:
    if code in LANGUAGE_NAMES:
        return _(LANGUAGE_NAMES[code])
    return code or "—"


def lead_source_label(source: str | None) -> str:
    """`line:direct` -> "LINE · 直接加入", `referral:CODE` -> "推薦碼 CODE", `campaign:x` / `src_x`
    -> "名單活動 x", `ref_x` -> "推薦連結 x"."""
    if not source:
        return "—"
    head, _sep, rest = source.partition(":")
    if head in CHANNELS and rest == "direct":
        return _("{channel} · joined directly", channel=channel_label(head))
    if head == "referral" and rest:
        return _("referral code {code}", code=rest)
    if head == "campaign" and rest:
        return _("lead campaign {code}", code=rest)
    if source.startswith("src_"):
        return _("lead campaign {code}", code=source[4:])
    if source.startswith("ref_"):
        return _("referral link {code}", code=source[4:])
    return source


def consent_source_label(source: str | None) -> str:
    """`line:follow` -> "LINE · 加入好友"; other sources as stored."""
    if not source:
        return "—"
    head, _sep, rest = source.partition(":")
    if head in CHANNELS and rest in CONSENT_HOW:
        return f"{channel_label(head)} · {_(CONSENT_HOW[rest])}"
    if source == "deletion":
        return _("deletion")
    return source


def order_source_label(source: str | None) -> str:
    """`console` -> "管理後台", `api:till` -> "店家系統 till"."""
    if not source:
        return "—"
    if source == "console":
        return _("entered in the console")
    if source == "api":
        return _("shop system")
    if source.startswith("api:"):
        return _("shop system {name}", name=source[4:])
    return source


def ledger_note(note: str | None) -> str | None:
    """A ledger entry's note for people: the bot's own notes translated (or dropped when the kind
    says it), a staff member's reason as typed."""
    if not note:
        return None
    if note in SYSTEM_NOTES:
        return SYSTEM_NOTES[note]
    referral = _REFERRAL_NOTE.fullmatch(note)
    if referral:
        return _("first purchase of customer #{id}", id=referral.group(1))
    return note


# what the templates call (added to every console page by register_console's context processor)
TEMPLATE_HELPERS = {"channel_label": channel_label, "language_label": language_label, "lead_source_label": lead_source_label,
                    "consent_source_label": consent_source_label, "order_source_label": order_source_label}


def service_name(service: Any) -> str:
    """A service's name in the reader's language (the shop's default language, else its code)."""
    from bot.console.base import current_language
    from bot.console.views import runtime

    return pick(service.name or {}, current_language(), runtime().settings.app.default_language) or service.code


TEMPLATE_HELPERS["service_name"] = service_name
