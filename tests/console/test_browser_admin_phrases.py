"""In a real browser, SQLite only: an admin adds a complaint phrase on the page, saves, and sees it
saved (flash, the list on the page, who saved it, the row the detector reads). Screenshot in
tests/artifacts/admin-complaint-phrases.png."""

from __future__ import annotations

import pytest

from models import ConsoleSetting
from tests.console.conftest import email, screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_admin_edits_a_phrase_list_on_the_page(runtime, page_for, db):
    admin = page_for("admin")
    admin.goto("/console/admin/users")
    admin.click(".admin-nav >> text=客訴關鍵字")
    admin.wait_for_url("**/console/admin/complaints")
    words = admin.locator("#field-words")
    assert "退款" in words.input_value() and "config.toml" in admin.locator("#phrases-source").inner_text()
    words.fill(words.input_value() + "\n壞掉了")
    admin.fill("#field-tone_threshold", "3")
    with admin.expect_navigation():
        admin.click("#phrases-form button[type=submit]")
    assert "客訴關鍵字已儲存" in admin.locator(".flash").inner_text()
    assert admin.locator("#field-words").input_value().split("\n")[-1] == "壞掉了"
    assert admin.locator("#field-tone_threshold").input_value() == "3"
    assert email("admin") in admin.locator("#phrases-source").inner_text()
    assert admin.locator("#phrases-reset button").is_visible()
    row = db.get(ConsoleSetting, "complaints")
    assert "壞掉了" in row.value["words"] and row.value["tone_threshold"] == 3
    screenshot(admin, "admin-complaint-phrases")
    assert admin.dialogs == []
