"""What the LINE adapter sends without the SDK's request layer is what the SDK would send: each
body is read back through the SDK's own request models and must come out unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from linebot.v3.messaging import MulticastRequest, PushMessageRequest, ReplyMessageRequest

from bot.events import Button, Outbound
from channels.line.adapter import render, rendered, request_body

OUTBOUNDS = [
    Outbound("plain text"),
    Outbound("營業時間？週二至週日 10:00-21:00", quick_replies=(Button(label="Book", data="book:start", text="Book"),)),
    Outbound("Pick one", title="Menu", buttons=(Button(label="A", data="a"), Button(label="B", data="b", text="Bee"))),
    Outbound("When?", buttons=(Button(label="Date", data="d", action="date", initial="2026-03-03",
                                      earliest="2026-03-03", latest="2026-04-03"),)),
    Outbound("long " * 60, buttons=tuple(Button(label=f"{n}", data=f"n:{n}") for n in range(6))),
]


@pytest.mark.parametrize("model, fields", [
    (ReplyMessageRequest, {"reply_token": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"}),
    (PushMessageRequest, {"to": "U" + "0" * 32}),
    (MulticastRequest, {"to": ["U" + "1" * 32, "U" + "2" * 32]}),
])
def test_bodies_match_the_sdk_request_models(model: Any, fields: dict[str, Any]) -> None:
    body = request_body([rendered(m) for m in OUTBOUNDS], **fields)
    assert model.from_dict(body).to_dict() == body  # the SDK's validation accepts it unchanged
    assert model(messages=[render(m) for m in OUTBOUNDS], **fields).to_dict() == body  # and builds the very same body


def test_a_message_seen_before_is_rendered_from_the_cache() -> None:
    message = Outbound("cached?", quick_replies=(Button(label="Yes", data="y"),))
    assert rendered(message) is rendered(Outbound("cached?", quick_replies=(Button(label="Yes", data="y"),)))
