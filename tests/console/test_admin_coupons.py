"""The admin page of coupon templates over HTTP on both databases: add, edit, retire and reactivate;
each bad field refused with its reason and nothing saved; only admins, only with the CSRF token; a
template added here really issues coupons (retired, it does not); an edited config template survives
the start-up sync while an untouched one still follows config.toml; names are shown escaped."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.crm.coupons import CouponError, issue_coupon, sync_templates
from models import Coupon, CouponTemplate, Ticket
from tests.care_helpers import to_customer
from tests.console.factories import add_customer

PAGE = "/console/admin/coupons"
NEW = {"code": "SORRY20", "kind": "percent", "value": "20", "name_zh-TW": "誠意補償券", "name_en": "With our apologies",
       "validity_days": "45", "max_uses": "1", "per_customer_limit": "2"}


def template(db, code: str) -> CouponTemplate | None:
    return db.scalar(select(CouponTemplate).where(CouponTemplate.code == code))


def count_templates(db) -> int:
    return db.scalar(select(func.count()).select_from(CouponTemplate))


def edit_form(row: CouponTemplate, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it for `row`, with `changes`."""
    form = {"kind": row.kind, "value": f"{row.value.normalize():f}", "validity_days": str(row.validity_days),
            "max_uses": str(row.max_uses), "per_customer_limit": str(row.per_customer_limit),
            **{f"name_{lang}": text for lang, text in row.name.items()}, **{f"item_{lang}": text for lang, text in row.item.items()}}
    return {**form, **changes}


def issue(runtime, customer_id: int, code: str, source: str = "test") -> Coupon:
    with runtime.sessions.begin() as session:
        coupon = issue_coupon(session, customer_id, code, source=source)
        session.flush()
        session.expunge(coupon)
        return coupon


def test_the_page_lists_config_templates_with_their_origin_and_issued_count(console, runtime, db):
    with runtime.sessions.begin() as s:
        customer = add_customer(s, "客人").id
    issue(runtime, customer, "WELCOME10")
    page = console("admin").get(PAGE)
    assert page.status_code == 200
    row = page.text.split('<tr data-code="WELCOME10"')[1].split("</tr>")[0]
    assert "新朋友 9 折券" in row and "Welcome coupon" in row and "9 折" in row and "來自 config.toml" in row
    assert '<td class="issued">1</td>' in row
    free = page.text.split('<tr data-code="FREECOFFEE"')[1].split("</tr>")[0]
    assert "免費兌換店內咖啡一杯" in free and "不限" in free  # per_customer_limit 0 means no limit
    assert 'id="origin-explained"' in page.text and "config.toml" in page.text
    assert "入會禮券" in page.text.split('id="template-WELCOME10"')[1].split("</details>")[0]  # config hands it out
    nav = console("admin").get("/console/admin/users").text
    assert 'href="/console/admin/coupons"' in nav and "優惠券範本" in nav


def test_an_admin_adds_a_template_that_really_issues_coupons(console, runtime, db):
    admin = console("admin")
    before = count_templates(db)
    added = admin.post(PAGE, {**NEW, "code": " sorry20 "})  # typed in lower case: stored as the shipped codes are
    assert added.status_code == 200 and added.url.endswith(PAGE) and "優惠券範本 SORRY20 已儲存。" in added.text
    assert count_templates(db) == before + 1
    row = template(db, "SORRY20")
    assert (row.kind, row.value, row.validity_days, row.max_uses, row.per_customer_limit, row.active, row.origin) == (
        "percent", Decimal("20.00"), 45, 1, 2, True, "console")
    assert row.name == {"zh-TW": "誠意補償券", "en": "With our apologies"} and row.item == {}
    listed = added.text.split('<tr data-code="SORRY20"')[1].split("</tr>")[0]
    assert "誠意補償券" in listed and "8 折" in listed and "由管理後台管理" in listed
    with runtime.sessions.begin() as s:
        customer = add_customer(s, "客人").id
    coupon = issue(runtime, customer, "SORRY20", source="a")
    assert (coupon.kind, coupon.value, coupon.max_uses) == ("percent", Decimal("20.00"), 1)
    assert (coupon.expires_at - coupon.issued_at).days == 45
    issue(runtime, customer, "SORRY20", source="b")
    with pytest.raises(CouponError) as third:  # the per-customer limit typed in the form holds
        issue(runtime, customer, "SORRY20", source="c")
    assert third.value.reason == "limit_reached"
    assert '<td class="issued">2</td>' in admin.get(PAGE).text.split('<tr data-code="SORRY20"')[1].split("</tr>")[0]

    item = admin.post(PAGE, {"code": "FREECAKE", "kind": "free_item", "value": "", "name_zh-TW": "蛋糕券", "item_zh-TW": "蛋糕一塊",
                             "item_en": "a slice of cake", "validity_days": "10", "max_uses": "1", "per_customer_limit": "0"})
    assert item.status_code == 200
    cake = template(db, "FREECAKE")
    assert (cake.kind, cake.value, cake.item, cake.per_customer_limit) == ("free_item", Decimal("0.00"),
                                                                           {"zh-TW": "蛋糕一塊", "en": "a slice of cake"}, 0)
    assert "免費兌換蛋糕一塊" in item.text


def test_a_template_added_in_the_console_is_offered_and_given_when_staff_resolve_a_ticket(chat, console, db):
    assert console("admin").post(PAGE, NEW).status_code == 200
    chat.say("你們太爛了，我要退款")
    staff = console("staff")
    assert '<option value="SORRY20">' in staff.get("/console/conversations/1").text
    resolved = staff.post("/console/tickets/1/resolve", {"reason": "已退款", "coupon": "SORRY20"})
    assert resolved.status_code == 200 and db.get(Ticket, 1).status == "resolved"
    coupon = db.scalar(select(Coupon))
    assert (coupon.template.code, coupon.value) == ("SORRY20", Decimal("20.00"))
    assert any(coupon.code in text for text in to_customer(chat.replies(), chat.user))


BAD_FIELDS = [
    ({"code": ""}, "code", "請輸入範本代碼"),
    ({"code": "tea time"}, "code", "最多 40 個英文字母"),
    ({"code": "ÄPFEL"}, "code", "最多 40 個英文字母"),
    ({"code": "_LEADING"}, "code", "最多 40 個英文字母"),
    ({"code": "A" * 41}, "code", "最多 40 個英文字母"),
    ({"code": "welcome10"}, "code", "已有相同代碼的優惠券範本"),
    ({"kind": "bogus"}, "kind", "請選擇優惠內容"),
    ({"value": "ten"}, "value", "請輸入數字"),
    ({"value": ""}, "value", "請輸入數字"),
    ({"value": "NaN"}, "value", "請輸入數字"),
    ({"value": "0"}, "value", "大於 0 且小於 100"),
    ({"value": "100"}, "value", "大於 0 且小於 100"),
    ({"value": "12.345"}, "value", "最多兩位小數"),
    ({"kind": "amount", "value": "-50"}, "value", "最多 1000000"),
    ({"kind": "amount", "value": "2000000"}, "value", "最多 1000000"),
    ({"name_zh-TW": "  "}, "name_zh-TW", "請輸入店家預設語言的名稱"),
    ({"name_en": "x" * 101}, "name_en", "名稱最多 100 個字"),
    ({"kind": "free_item", "item_en": "cake"}, "item_zh-TW", "免費品項券必須用店家預設語言寫明品項"),
    ({"validity_days": "0"}, "validity_days", "1 到 3650 的整數"),
    ({"validity_days": "3651"}, "validity_days", "1 到 3650 的整數"),
    ({"validity_days": "a month"}, "validity_days", "1 到 3650 的整數"),
    ({"max_uses": "0"}, "max_uses", "1（單次使用）到 10000 的整數"),
    ({"per_customer_limit": "-1"}, "per_customer_limit", "0（不限）到 10000 的整數"),
    ({"per_customer_limit": "1.5"}, "per_customer_limit", "0（不限）到 10000 的整數"),
]


def test_each_bad_field_is_refused_next_to_the_field_and_nothing_is_saved(console, db):
    admin = console("admin")
    before = count_templates(db)
    for changes, field, message in BAD_FIELDS:
        answer = admin.post(PAGE, {**NEW, **changes})
        assert answer.status_code == 400, (changes, answer.status_code)
        new_form = answer.text.split('id="new-template"')[1]
        assert f'id="error-{field}"' in new_form and message in new_form, (changes, field)
        assert new_form.count('class="error"') == 1, changes  # only the bad field is marked
        assert count_templates(db) == before and template(db, "SORRY20") is None, changes
    kept = admin.post(PAGE, {**NEW, "value": "abc"}).text.split('id="new-template"')[1]
    assert 'value="誠意補償券"' in kept and 'value="SORRY20"' in kept  # what was typed is shown again, not lost


def test_editing_changes_the_template_not_the_coupons_already_issued(console, runtime, db):
    with runtime.sessions.begin() as s:
        customer = add_customer(s, "客人").id
    earlier = issue(runtime, customer, "SORRY15")
    admin = console("admin")
    sorry = template(db, "SORRY15")
    bad = admin.post(f"{PAGE}/{sorry.id}", edit_form(sorry, value="150", validity_days="0"))
    assert bad.status_code == 400
    card = bad.text.split('id="template-SORRY15"')[1].split("</details>")[0]
    assert 'id="error-value"' in card and 'id="error-validity_days"' in card and 'value="150"' in card
    assert template(db, "SORRY15").value == Decimal("15.00") and template(db, "SORRY15").origin == "config"
    changed = admin.post(f"{PAGE}/{sorry.id}", edit_form(sorry, kind="amount", value="200", code="HACKED", **{"name_en": "Sorry!"}))
    assert changed.status_code == 200 and "優惠券範本 SORRY15 已儲存。" in changed.text
    saved = template(db, "SORRY15")
    assert (saved.kind, saved.value, saved.name["en"], saved.origin) == ("amount", Decimal("200.00"), "Sorry!", "console")
    assert template(db, "HACKED") is None  # the code is not editable
    kept = db.get(Coupon, earlier.id)
    assert (kept.kind, kept.value) == ("percent", Decimal("15.00"))  # a coupon copied what it gives at issue
    assert issue(runtime, customer, "SORRY15", source="later").value == Decimal("200.00")
    assert admin.post(f"{PAGE}/99999", edit_form(saved)).status_code == 404


def test_retire_and_reactivate(console, runtime, db):
    admin = console("admin")
    admin.post(PAGE, NEW)
    row = template(db, "SORRY20")
    with runtime.sessions.begin() as s:
        customer = add_customer(s, "客人").id
    held = issue(runtime, customer, "SORRY20")
    retired = admin.post(f"{PAGE}/{row.id}/active", {"action": "retire"})
    assert retired.status_code == 200 and "SORRY20 已停用" in retired.text
    assert template(db, "SORRY20").active is False
    assert "已停用" in retired.text.split('<tr data-code="SORRY20"')[1].split("</tr>")[0]
    with pytest.raises(CouponError) as refused:
        issue(runtime, customer, "SORRY20", source="after")
    assert refused.value.reason == "unknown_template"
    still = db.get(Coupon, held.id)  # the coupon in the customer's hands still works
    assert (still.kind, still.value, still.voided_at, still.expires_at) == (held.kind, held.value, None, held.expires_at)
    reactivated = admin.post(f"{PAGE}/{row.id}/active", {"action": "reactivate"})
    assert reactivated.status_code == 200 and template(db, "SORRY20").active is True
    assert issue(runtime, customer, "SORRY20", source="again").template_id == row.id
    assert admin.post(f"{PAGE}/{row.id}/active", {"action": "delete"}).status_code == 400
    assert admin.post(f"{PAGE}/99999/active", {"action": "retire"}).status_code == 404
    assert count_templates(db) >= 1 and template(db, "SORRY20") is not None  # never deleted


def test_an_edited_config_template_survives_the_start_up_sync_and_an_untouched_one_follows_config(console, runtime, db, caplog):
    admin = console("admin")
    sorry, gold = template(db, "SORRY15"), template(db, "GOLD300")
    assert admin.post(f"{PAGE}/{sorry.id}", edit_form(sorry, value="25")).status_code == 200
    assert admin.post(f"{PAGE}/{gold.id}/active", {"action": "retire"}).status_code == 200
    assert admin.post(PAGE, NEW).status_code == 200
    # config.toml changes all three codes' entries, then the service restarts
    settings = runtime.settings
    changed = tuple(dataclasses.replace(t, value=t.value + 1, validity_days=7) for t in settings.coupon_templates)
    new_entry = dataclasses.replace(settings.coupon_templates[0], code="SORRY20", value=99, name={"zh-TW": "設定檔"})
    with caplog.at_level(logging.WARNING, logger="bot.crm.coupons"), runtime.sessions.begin() as session:
        sync_templates(session, settings.replace(coupon_templates=(*changed, new_entry)))
    assert (template(db, "SORRY15").value, template(db, "SORRY15").validity_days) == (Decimal("25.00"), 60)
    assert template(db, "GOLD300").active is False  # a retirement in the console is not undone
    assert (template(db, "SORRY20").value, template(db, "SORRY20").name["zh-TW"]) == (Decimal("20.00"), "誠意補償券")
    welcome = template(db, "WELCOME10")  # untouched: still config's
    assert (welcome.value, welcome.validity_days, welcome.origin) == (Decimal("11.00"), 7, "config")
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.crm.coupons" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and all(code in warnings[0] for code in ("GOLD300", "SORRY15", "SORRY20"))
    assert "WELCOME10" not in warnings[0]
    # config drops every entry: config's own templates retire, the console's stay as they are
    with runtime.sessions.begin() as session:
        sync_templates(session, settings.replace(coupon_templates=()))
    assert template(db, "WELCOME10").active is False
    assert template(db, "SORRY15").active is True and template(db, "SORRY20").active is True
    page = admin.get(PAGE).text.split('id="template-SORRY15"')[1].split("</details>")[0]
    assert "由管理後台管理" in page


def test_only_admins_with_the_csrf_token_change_templates(console, db):
    sorry = template(db, "SORRY15")
    before = count_templates(db)
    for role in ("staff", "marketer"):
        client = console(role)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, NEW).status_code == 403
        assert client.post(f"{PAGE}/{sorry.id}", edit_form(sorry, value="50")).status_code == 403
        assert client.post(f"{PAGE}/{sorry.id}/active", {"action": "retire"}).status_code == 403
        assert 'href="/console/admin/coupons"' not in client.get("/console/account").text
    admin = console("admin")
    assert admin.post(PAGE, NEW, csrf=False).status_code == 400
    assert admin.post(f"{PAGE}/{sorry.id}", edit_form(sorry, value="50"), csrf=False).status_code == 400
    assert admin.post(f"{PAGE}/{sorry.id}/active", {"action": "retire", "csrf_token": "forged"}, csrf=False).status_code == 400
    assert count_templates(db) == before and template(db, "SORRY20") is None
    unchanged = template(db, "SORRY15")
    assert (unchanged.value, unchanged.active, unchanged.origin) == (Decimal("15.00"), True, "config")


def test_text_typed_into_a_name_is_shown_escaped(console, db):
    hostile = "<script>alert(1)</script>折價"
    admin = console("admin")
    assert admin.post(PAGE, {**NEW, "name_en": hostile, "kind": "free_item", "item_zh-TW": "<b>蛋糕</b>"}).status_code == 200
    page = admin.get(PAGE).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;折價" in page and hostile not in page
    assert "&lt;b&gt;蛋糕&lt;/b&gt;" in page and "<b>蛋糕</b>" not in page
    refused = admin.post(PAGE, {**NEW, "code": "", "name_zh-TW": hostile}).text
    assert refused.count("&lt;script&gt;") >= 1 and hostile not in refused
