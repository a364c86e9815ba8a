"""Importing customers and orders from the files spreadsheets really write: Big5 and GB18030 and
UTF-8 with a BOM, tabs, blank lines, header names with spaces and full-width letters, ROC dates,
phones with dashes and +886, duplicate rows, an email that belongs to another customer; on SQLite
and PostgreSQL, twice (the second run changes nothing), then the refused rows fixed and imported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli.imports import run_file_import
from bot.console.i18n import ZH_TW
from bot.crm.imports.reading import ReadError, read_table
from bot.crm.imports.run import run_import, template_csv
from models import ChannelIdentity, Consent, Customer, Order, OrderLine, PointsEntry, Product, TagChange
from tests.console.factories import add_customer

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
LINE_ID = "U" + "a1" * 16

# A Taiwanese shop's member list as Excel saves it: Big5, header words in Chinese with stray spaces
# and full-width letters, a blank line, ROC and slashed dates, phones written three ways.
MEMBERS = [
    ["姓名", " ＥＭＡＩＬ ", "手機 號碼", "LINE ID", "會員 編號", "生日", "點數", "行銷同意", "同意日期", "同意來源", "標籤", "地區"],
    ["王小明", "ming@example.com", "0912-345-678", LINE_ID, "M0001", "113/01/05", "1,200", "是", "2024/1/5", "門市", "VIP，親子", "台北市"],
    [],
    ["陳美玲", "MEI@Example.com", "+886 922 333 444", "", "M0002", "1990-03-07", "0", "否", "113/02/01", "官網", "", "台中市"],
    ["林志豪", "hao@example", "02-2345-6789", "", "M0003", "", "", "", "", "", "", ""],  # bad email, a landline
    ["王小明", "ming@example.com", "0912-345-678", "", "", "", "", "", "", "", "", ""],  # duplicate of line 2
    ["張雅婷", "ting@example.com", "886933444555", "", "M0005", "2024/13/01", "", "是", "", "", "", ""],  # bad date, consent without date
    ["李大同", "taken@example.com", "", "", "M0006", "", "", "", "", "", "", ""],  # the email is an existing customer's
    ["黃佳穎", "", "912000111", "", "", "", "300", "", "", "", "學生", "高雄市"],  # Excel dropped the leading zero
]


def csv_bytes(rows: list[list[str]], encoding: str, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def do_import(runtime, kind: str, data: bytes, dry_run: bool = False):
    with runtime.sessions.begin() as session:
        return run_import(session, runtime.settings, kind, data, dry_run=dry_run, now=NOW)


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_a_big5_member_list_with_every_mistake(runtime):
    with runtime.sessions.begin() as s:
        other = add_customer(s, "Existing", email="taken@example.com").id
        add_customer(s, "Has M0006", member_code="M0006")
    data = csv_bytes(MEMBERS, "cp950")
    dry = do_import(runtime, "customers", data, dry_run=True)
    assert dry.encoding == "cp950" and dry.rows == 7 and dry.created == 3 and dry.bad == 4
    assert count(runtime, Customer) == 2  # a dry run writes nothing
    problems = {(p.line, p.column): p.text() for p in dry.problems}
    assert problems[(5, "email")] == "not an email address"
    assert problems[(5, "phone")].startswith("phone is not a Taiwan mobile number")
    assert problems[(6, "email")] == "duplicate of line 2"
    assert problems[(7, "birthday")].startswith("not a date that exists")
    assert "consent is imported only with its date and its source" in problems[(7, "consent_date")]
    assert sorted({p.message for p in dry.problems} - set(ZH_TW)) == []  # the console shows them translated
    assert problems[(8, "member_code")] == f"belongs to customer #{other + 1}, but the email matches customer #{other}; " \
                                           "not merged: fix one of them"

    real = do_import(runtime, "customers", data)
    assert (real.created, real.updated, real.bad) == (3, 0, 4)
    with runtime.sessions() as s:
        ming = s.scalar(select(Customer).where(Customer.member_code == "M0001"))
        assert (ming.display_name, ming.email, ming.phone, ming.birthday_month, ming.region) == (
            "王小明", "ming@example.com", "0912345678", 1, "台北市")
        assert sorted(ming.tags) == ["VIP", "親子"]
        assert s.scalar(select(ChannelIdentity.platform_user_id).where(ChannelIdentity.customer_id == ming.id)) == LINE_ID
        consents = {(c.channel, c.granted, c.source, c.updated_at.date().isoformat())
                    for c in s.scalars(select(Consent).where(Consent.customer_id == ming.id))}
        assert consents == {("line", True, "import:門市", "2024-01-05"), ("email", True, "import:門市", "2024-01-05")}
        mei = s.scalar(select(Customer).where(Customer.member_code == "M0002"))
        assert mei.email == "mei@example.com" and mei.phone == "0922333444" and mei.birthday_month == 3
        assert [c.granted for c in s.scalars(select(Consent).where(Consent.customer_id == mei.id))] == [False]
        jia = s.scalar(select(Customer).where(Customer.display_name == "黃佳穎"))
        assert jia.phone == "0912000111"
        opening = list(s.scalars(select(PointsEntry).where(PointsEntry.kind == "adjustment").order_by(PointsEntry.points)))
        assert [(e.customer_id, e.points) for e in opening] == [(jia.id, 300), (ming.id, 1200)]
        assert s.scalar(select(func.count()).select_from(TagChange).where(TagChange.source == "import")) == 3

    before = {m: count(runtime, m) for m in (Customer, ChannelIdentity, Consent, PointsEntry, TagChange)}
    again = do_import(runtime, "customers", data)  # the same file twice changes nothing
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert {m: count(runtime, m) for m in before} == before

    # the refused rows, fixed in the report file, go in on their own
    fixed = [row for row in csv.reader(io.StringIO(real.bad_rows_csv()))]
    assert fixed[0][-2:] == ["line", "problem"] and [r[-2] for r in fixed[1:]] == ["5", "6", "7", "8"]
    fixed[1][1], fixed[1][2] = "hao@example.com", "0955-666-777"
    fixed[3][5], fixed[3][8], fixed[3][9] = "2024/12/01", "2024/3/1", "LINE 好友"
    third = do_import(runtime, "customers", csv_bytes([fixed[0], fixed[1], fixed[3]], "utf-8", bom=True))
    assert (third.created, third.bad) == (2, 0) and "column not imported: problem" in [n.text() for n in third.notes]


def test_a_row_that_matches_updates_the_customer(runtime):
    with runtime.sessions.begin() as s:
        known = add_customer(s, "Old name", phone="0912-345-678", tags=["舊標籤"], region="台南市").id
    data = csv_bytes([["name", "phone", "region", "tags", "language"], ["新名字", "+886912345678", "", "新標籤", "English"]],
                     "utf-8", delimiter="\t")
    report = do_import(runtime, "customers", data)
    assert (report.created, report.updated) == (0, 1)
    with runtime.sessions() as s:
        customer = s.get(Customer, known)
        assert (customer.display_name, customer.region, sorted(customer.tags), customer.language) == (
            "新名字", "台南市", ["新標籤", "舊標籤"], "en")  # a blank cell leaves the value; tags add up
    assert count(runtime, Customer) == 1


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_simplified_chinese_and_utf8_without_bom(runtime, encoding):
    rows = [["姓名", "邮箱", "手机", "会员编号", "积分"], ["刘洋", "liu@example.cn", "0933-111-222", "C-1", "50"]]
    report = do_import(runtime, "customers", csv_bytes(rows, encoding))
    assert report.encoding == encoding and report.created == 1 and not report.problems
    with runtime.sessions() as s:
        assert s.scalar(select(Customer.display_name).where(Customer.member_code == "C-1")) == "刘洋"


def test_orders_with_roc_dates_items_and_a_second_run(runtime):
    with runtime.sessions.begin() as s:
        a = add_customer(s, "A", email="a@example.com").id
        b = add_customer(s, "B", phone="0912345678", member_code="M9").id
        s.add(Product(sku="BK-1", name={"zh-TW": "書"}, category="文學小說"))
    rows = [["訂單編號", "Email", "會員編號", "手機", "訂單日期", "金額", "商品"],
            ["T-1", "a@example.com", "", "", "113/01/05 14:30", "NT$1,200", "BK-1*2@600"],
            ["T-2", "", "M9", "", "2024/1/6", "380", "BK-1; ZZ-404*1@380"],
            ["T-3", "", "", "+886-912-345-678", "2024-02-01", "500", ""],
            ["T-1", "a@example.com", "", "", "2024/1/5", "1200", ""],  # duplicate of line 2
            ["T-5", "nobody@example.com", "", "", "2024/1/5", "100", ""],
            ["T-6", "a@example.com", "", "", "2099/1/5", "-100", "BK 1"],
            ["T-7", "a@example.com", "", "", "", "abc", ""]]
    data = csv_bytes(rows, "cp950")
    report = do_import(runtime, "orders", data)
    assert (report.created, report.bad) == (3, 4), report.problems
    problems = {(p.line, p.column): p.text() for p in report.problems}
    assert problems[(5, "external_id")] == "duplicate of line 2"
    assert problems[(6, "email")] == "no customer has this email; import the customers first"
    assert {(7, "placed_at"), (7, "amount"), (7, "items"), (8, "placed_at"), (8, "amount")} <= set(problems)
    assert sorted({p.message for p in report.problems} - set(ZH_TW)) == []
    assert any("ZZ-404" in note.text() for note in report.notes)  # kept on the order, reported
    with runtime.sessions() as s:
        placed = s.scalar(select(Order.placed_at).where(Order.idempotency_key == "import:T-1"))
        assert placed == datetime(2024, 1, 5, 6, 30, tzinfo=UTC)  # 14:30 in Taipei
        assert sorted(s.scalars(select(Order.customer_id))) == sorted([a, b, b])
        assert s.scalar(select(func.count()).select_from(OrderLine).where(OrderLine.known.is_(False))) == 1
    again = do_import(runtime, "orders", data)
    assert (again.created, again.unchanged) == (0, 3) and count(runtime, Order) == 3


@pytest.mark.parametrize("data, words", [
    (b"name,email\x00\n", "NUL bytes"),
    (b"", "empty"),
    (b"\n\n", "empty"),
    ((",".join(f"c{n}" for n in range(10000)) + "\n").encode(), "10000 columns"),
    (b"\xff\xfe\x00\x00garbage" + bytes(range(128, 256)), "NUL"),
    (b"email\n" + b"x" * 5000 + b"@example.com\n", "longer than"),
])
def test_files_that_are_not_an_import_are_refused_with_a_reason(data, words):
    with pytest.raises(ReadError, match=words):
        read_table(data)


def test_header_without_a_customer_key_and_binary_bytes(runtime):
    report = do_import(runtime, "customers", "姓名,地區\n王,台北\n".encode())
    assert report.problems[0].line == 0 and "recognise a customer" in report.problems[0].text()
    with pytest.raises(ReadError, match="not text"):
        do_import(runtime, "customers", bytes(range(128, 256)) * 10)


def test_the_command_line_template_dry_run_and_bad_rows(runtime, tmp_path: Path, capsys):
    template = tmp_path / "customers.csv"
    assert run_file_import(runtime.settings, "customers", template, dry_run=False, template=True, bad_rows=None) == 0
    assert template.read_text(encoding="utf-8-sig").strip() == template_csv("customers").lstrip("\ufeff").strip()
    header = template.read_text(encoding="utf-8-sig").strip().split(",")
    assert header[:3] == ["name", "email", "phone"]
    source = tmp_path / "members.csv"
    source.write_bytes(csv_bytes(MEMBERS, "cp950"))
    assert run_file_import(runtime.settings, "customers", source, dry_run=True, template=False, bad_rows=None) == 0
    out = capsys.readouterr().out
    assert "line 5, email: not an email address" in out and "would be created" in out
    assert not (tmp_path / "members.errors.csv").exists() and count(runtime, Customer) == 0
    assert run_file_import(runtime.settings, "customers", source, dry_run=False, template=False, bad_rows=None) == 0
    assert "were created" in capsys.readouterr().out
    assert (tmp_path / "members.errors.csv").read_text(encoding="utf-8-sig").count("\n") == 4  # header and 3 rows (no one owns taken@ here)
    assert run_file_import(runtime.settings, "customers", tmp_path / "missing.csv", dry_run=False, template=False,
                           bad_rows=None) == 2


def test_products_from_a_spreadsheet(runtime):
    rows = [["商品編號", "品名", "英文名稱", "分類", "售價", "圖片", "上架"],
            ["BK-1", "小王子", "The Little Prince", "童書", "NT$280", "https://shop.example/1.jpg", "是"],
            ["BK-2", "夜行", "", "文學小說", "1,200", "", "否"],
            ["BK 3", "壞編號", "", "", "", "", ""],
            ["BK-1", "重複", "", "", "", "", ""],
            ["BK-4", "", "", "", "abc", "javascript:alert(1)", "maybe"]]
    data = csv_bytes(rows, "cp950")
    report = do_import(runtime, "products", data)
    assert (report.created, report.updated, report.bad) == (2, 0, 3)
    problems = {(p.line, p.column) for p in report.problems}
    assert {(4, "sku"), (5, "sku"), (6, "name_zh_tw"), (6, "price"), (6, "image_url"), (6, "active")} == problems
    assert sorted({p.message for p in report.problems} - set(ZH_TW)) == []
    with runtime.sessions() as s:
        first = s.scalar(select(Product).where(Product.sku == "BK-1"))
        assert (first.name, first.category, str(first.price), first.active) == (
            {"zh-TW": "小王子", "en": "The Little Prince"}, "童書", "280.00", True)
        assert s.scalar(select(Product.active).where(Product.sku == "BK-2")) is False
    again = do_import(runtime, "products", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[2][4] = "1,250"
    assert do_import(runtime, "products", csv_bytes(rows, "cp950")).updated == 1
