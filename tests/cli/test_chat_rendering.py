"""What `python -m bot chat` prints for each kind of LINE message: a card shows its words (its
notification text) and its buttons, numbered with what to type to press them."""

from __future__ import annotations

from bot.devtools.chat import render_for_terminal
from bot.events import Button, Card, Outbound
from channels.line.adapter import rendered


def test_a_card_prints_its_words_and_its_buttons():
    card = Card(title="會員卡", text="點數: 20", buttons=(Button("我的優惠券", "coupons:list"),))
    message = rendered(Outbound(text="會員卡\n點數: 20", card=card))
    assert message["type"] == "flex"
    printed = render_for_terminal({"messages": [message]})
    assert printed.splitlines() == ["會員卡", "點數: 20", "  [1] 我的優惠券  (--postback 'coupons:list')"]


def test_text_and_quick_replies_print_as_before():
    message = rendered(Outbound(text="hello", quick_replies=(Button("營業時間", "faq:0"),)))
    assert render_for_terminal({"messages": [message]}).splitlines() == ["hello", "  [1] 營業時間  (--postback 'faq:0')"]
