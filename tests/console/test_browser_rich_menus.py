"""In a real browser, SQLite only: a marketer writes a menu's cells, is told what LINE would refuse,
saves a menu drawn in Chinese, sees its picture, publishes it, and the worker makes it LINE's
default through the SDK. Screenshot: tests/artifacts/rich-menu-editor.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RichMenu
from tests.console.conftest import screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CELLS = "會員卡 | postback:member:card\n優惠券 | message:我的優惠券\n兌換 | postback:redeem:list\n" \
        "預約 | date:book:start\n官網 | uri:https://shop.example\n找真人 | postback:human:start"


def test_a_marketer_draws_saves_and_publishes_a_menu(page_for, worker, standin, db):
    marketer = page_for("marketer")
    marketer.goto("/console/")
    marketer.click("nav >> text=圖文選單")
    marketer.wait_for_url("**/console/rich-menus")
    form = marketer.locator("#menu-form")
    form.locator("input[name=name]").fill("主選單")
    form.locator("textarea[name=cells]").fill("會員卡 | ftp:nowhere")
    with marketer.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "未知的類型 'ftp'" in marketer.locator("#menu-error").inner_text()  # LINE's rule, in the marketer's language
    assert marketer.locator("#menu-form input[name=name]").input_value() == "主選單"  # nothing typed is lost
    marketer.fill("#menu-form textarea[name=cells]", CELLS)
    with marketer.expect_navigation():
        marketer.click("#menu-form button[type=submit]")
    assert "主選單" in marketer.locator(".flash").inner_text()
    picture = marketer.locator(".rich-menu img.menu-picture")
    assert marketer.evaluate("(img) => img.complete && img.naturalWidth", picture.element_handle()) == 2500
    screenshot(marketer, "rich-menu-editor")
    with marketer.expect_navigation():
        marketer.click(".rich-menu button[type=submit]")
    worker.line_tasks_once()
    [menu] = db.all(select(RichMenu))
    assert menu.line_id and standin.default_rich_menu == menu.line_id
    assert [a["action"].get("data") or a["action"].get("text") or a["action"].get("uri") for a in menu.areas][:3] == \
        ["member:card", "我的優惠券", "redeem:list"]
    assert marketer.dialogs == []
