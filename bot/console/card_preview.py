"""Cards as staff and marketers see them before customers do: the Flex JSON LINE receives (made by
the same renderer the LINE adapter uses), drawn as HTML by the template's recursive macro.

Why server-side HTML and not LINE's Flex Simulator: the console must not send customer data to
another site, and the CSP forbids inline styles, so sizes and weights map to classes and colours
are shown only from the small palette the cards use. A pasted Flex document is checked with the
LINE stand-in's rules (the SDK's models and LINE's limits), so what previews here is what LINE takes.
"""

from __future__ import annotations

import json
from typing import Any

from bot.events import Button, Card, CardField, Outbound
from bot.i18n.texts import text
from channels.line.adapter import line_action
from channels.line.flex import render_flex
from channels.line.message_rules import message_problem

MAX_JSON_BYTES = 30_000
SAMPLE_CODE = "M0SAMPLE42"


def sample_member_card(language: str, shop: str) -> dict[str, Any]:
    """A member card for a made-up member, in the shape the bot sends (handlers/member_card.py)."""
    def t(key: str, code: str = "") -> str:
        return text(key, language, "zh-TW", shop=shop, code=code)

    card = Card(title=t("cards.member_title"), text=t("cards.member_hint"),
                fields=(CardField(t("cards.member_name"), "林美玲"), CardField(t("cards.member_tier"), "★★★"),
                        CardField(t("cards.member_points"), "1,280"), CardField(t("cards.member_stamps"), "●●●○○ 3/5")),
                buttons=(Button(t("rewards.choose"), "redeem:list"),), code=SAMPLE_CODE, code_kind="qr+barcode",
                qr_url=f"https://preview.invalid/codes/qr/{SAMPLE_CODE}.png",
                barcode_url=f"https://preview.invalid/codes/barcode/{SAMPLE_CODE}.png")
    return flex_json(Outbound(t("cards.member_code", code=SAMPLE_CODE), card=card))


def flex_json(message: Outbound) -> dict[str, Any]:
    rendered = render_flex(message, None, line_action)
    return json.loads(rendered.to_json())


def read_pasted(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """A pasted Flex container (bubble or carousel) or whole Flex message, or the reason it would
    be refused (its size, its JSON, or what LINE would answer)."""
    if len(raw.encode()) > MAX_JSON_BYTES:
        return None, f"at most {MAX_JSON_BYTES // 1000} KB of JSON"
    try:
        document = json.loads(raw)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(document, dict):
        return None, "expected a JSON object"
    message = document if document.get("type") == "flex" else {"type": "flex", "altText": "preview", "contents": document}
    problem = message_problem(0, message)
    return (None, problem) if problem else (message, None)


def image_src(url: str, code_images: dict[str, str]) -> str:
    """What the preview shows for an image: our own sample code pictures, never a remote address."""
    for marker, local in code_images.items():
        if marker in url:
            return local
    return ""
