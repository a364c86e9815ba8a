"""In a real browser, SQLite only: a marketer opens the card preview, sees the member card drawn
from the bot's own Flex JSON with its QR code and barcode pictures served by our server, pastes a
carousel that previews, and a card LINE would refuse that is refused with the reason. Screenshots
go to tests/artifacts/card-preview-*.png."""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CAROUSEL = {"type": "carousel", "contents": [
    {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "春季書展 8 折", "weight": "bold", "size": "lg"},
        {"type": "text", "text": "<script>alert(1)</script>", "wrap": True}]},
     "footer": {"type": "box", "layout": "vertical", "contents": [
         {"type": "button", "style": "primary", "action": {"type": "postback", "label": "領取", "data": "coupons:list"}}]}},
    {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "免費咖啡"}]}},
]}


def test_a_marketer_previews_the_member_card_and_a_pasted_carousel(page_for):
    marketer = page_for("marketer")
    marketer.goto("/console/")
    marketer.click("nav >> text=卡片預覽")
    marketer.wait_for_url("**/console/cards/preview")
    card = marketer.locator("#member-card-preview")
    assert "會員卡" in card.inner_text() and "M0SAMPLE42" in card.inner_text()
    pictures = card.locator("img.flex-image")
    assert pictures.count() == 2
    for index in range(2):  # the QR code and the barcode, drawn by our server, loaded by the browser
        assert marketer.evaluate("(img) => img.complete && img.naturalWidth > 0", pictures.nth(index).element_handle())
    screenshot(marketer, "card-preview-member")
    marketer.fill("#flex-form textarea", json.dumps(CAROUSEL, ensure_ascii=False))
    with marketer.expect_navigation():
        marketer.click("#flex-form button[type=submit]")
    pasted = marketer.locator("#pasted-preview")
    assert pasted.locator(".flex-bubble").count() == 2
    assert "<script>alert(1)</script>" in pasted.inner_text()  # shown as text, never run
    assert marketer.dialogs == []
    screenshot(marketer, "card-preview-carousel")
    bad = {"type": "bubble", "hero": {"type": "image", "url": "http://example.com/a.png"}}
    marketer.fill("#flex-form textarea", json.dumps(bad))
    with marketer.expect_navigation():
        marketer.click("#flex-form button[type=submit]")
    assert "uri" in marketer.locator("#flex-problem").inner_text()
