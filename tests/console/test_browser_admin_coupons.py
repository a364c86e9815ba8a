"""In a real browser, SQLite only: an admin opens the coupon templates from the admin links, is told
what a bad value needs, then adds a template and sees it listed. The page's screenshot goes to
tests/artifacts/admin-coupons.png."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from models import CouponTemplate
from tests.console.conftest import screenshot

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_an_admin_adds_a_coupon_template_and_sees_it_listed(page_for, db):
    admin = page_for("admin")
    admin.goto("/console/admin/users")
    admin.click(".admin-nav >> text=優惠券範本")
    admin.wait_for_url("**/console/admin/coupons")
    assert "來自 config.toml" in admin.locator('#coupon-templates tr[data-code="WELCOME10"]').inner_text()
    form = admin.locator("#new-template")
    form.locator("input[name=code]").fill("SPRING50")
    form.locator("select[name=kind]").select_option("amount")
    form.locator("input[name=value]").fill("0")
    form.locator("input[name=name_zh-TW]").fill("春季折價券")
    form.locator("input[name=name_en]").fill("Spring NT$50 off")
    form.locator("input[name=validity_days]").fill("14")
    form.locator("button[type=submit]").click()
    assert "大於 0" in admin.locator("#new-template #error-value").inner_text()  # said next to the field
    assert admin.locator("#new-template input[name=name_zh-TW]").input_value() == "春季折價券"  # nothing typed is lost
    assert db.scalar(select(CouponTemplate).where(CouponTemplate.code == "SPRING50")) is None
    admin.fill("#new-template input[name=value]", "50")
    with admin.expect_navigation():
        admin.click("#new-template button[type=submit]")
    assert "SPRING50 已儲存" in admin.locator(".flash").inner_text()
    row = admin.locator('#coupon-templates tr[data-code="SPRING50"]').inner_text()
    assert "春季折價券" in row and "折抵 NT$50" in row and "由管理後台管理" in row and "啟用中" in row
    saved = db.scalar(select(CouponTemplate).where(CouponTemplate.code == "SPRING50"))
    assert (saved.kind, saved.value, saved.validity_days, saved.origin) == ("amount", Decimal("50.00"), 14, "console")
    screenshot(admin, "admin-coupons")
    assert admin.dialogs == []
