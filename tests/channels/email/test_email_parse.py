"""Reading real-shaped mail: the charsets Taiwanese, Chinese and Japanese clients write, HTML-only
mail, attachments, quoted replies and signatures, and the mail systems' own messages."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from channels.email.parse import parse_email
from channels.email.text import decode_bytes, decode_header_value, decode_unlabelled, html_to_text, strip_quoted

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(("name", "sender", "name_shown", "subject", "text"), [
    ("gmail_utf8_qp_reply.eml", "mei.lin@gmail.example", "林美", "Re: 讀書會", "請問這週六讀書會還有名額嗎？\n我想帶一位朋友。"),
    ("outlook_big5_base64.eml", "cm.chen@hinet.example", "陳志明", "詢問時間",
     "您好：\n請問營業時間？恒春來的朋友想週日過去，裏面可以停車嗎？"),
    ("foxmail_gb2312.eml", "wangzhe@qq.example", "王喆", "询问", "你好，我叫王喆，堃哥推荐我来的。\n请问营业时间是几点？"),
    ("html_only_gb18030.eml", "li.na@163.example", "Li Na", "地址", "请问 地址在哪里？\n\n谢谢&祝好"),
    ("iso2022jp.eml", "tanaka@example.jp", "田中", "問い合わせ", "こんにちは。\n営業時間を教えてください。"),
])
def test_each_charset_is_read_as_written_and_history_and_signature_are_cut(name, sender, name_shown, subject, text):
    parsed = parse_email(corpus(name))
    assert (parsed.from_address, parsed.from_name, parsed.subject, parsed.text) == (sender, name_shown, subject, text)
    assert "\ufffd" not in parsed.text + parsed.from_name + parsed.subject
    assert parsed.automatic is None


def test_html_only_mail_is_turned_into_text_without_scripts_or_styles():
    parsed = parse_email(corpus("html_only_gb18030.eml"))
    assert parsed.from_html is True
    assert "alert" not in parsed.text and "color" not in parsed.text


def test_threading_headers_are_read():
    parsed = parse_email(corpus("gmail_utf8_qp_reply.eml"))
    assert parsed.message_id == "CAF3xq+Yk2oV8w9d1cT3p@mail.gmail.example"
    assert parsed.in_reply_to == "0b5f1c9e-4d1a-4c55-9a51-2f0e6f1d3a10@shop.example"
    assert parsed.references == ("0b5f1c9e-4d1a-4c55-9a51-2f0e6f1d3a10@shop.example",)
    assert parsed.bare_subject == "讀書會"


def test_attachments_are_recorded_not_inlined():
    parsed = parse_email(corpus("multipart_attachments.eml"))
    assert parsed.text == "Hi, the receipt and a photo of the book are attached. What is your address?"
    assert [(a["filename"], a["content_type"], a["inline"]) for a in parsed.attachments] == [
        ("receipt.pdf", "application/pdf", False), ("book.png", "image/png", True)]
    assert parsed.attachments[0]["size"] == 51


@pytest.mark.parametrize(("name", "reason"), [
    ("auto_reply.eml", "auto-submitted: auto-replied"),
    ("bulk_newsletter.eml", "precedence: bulk"),
    ("bounce_hard.eml", "auto-submitted: auto-replied"),
    ("arf_complaint.eml", "empty return path"),
])
def test_automatic_mail_is_recognised(name, reason):
    assert parse_email(corpus(name)).automatic == reason


def test_an_empty_envelope_sender_means_no_answer():
    raw = b"From: someone@example.com\r\nTo: shop@shop.example\r\nSubject: hi\r\nMessage-ID: <e1@example.com>\r\n\r\nhello\r\n"
    assert parse_email(raw, envelope_from="").automatic == "empty return path"
    assert parse_email(raw, envelope_from="someone@example.com").automatic is None


@pytest.mark.parametrize(("name", "severity", "status"), [("bounce_hard.eml", "hard", "5.1.1"), ("bounce_soft.eml", "soft", "4.2.2")])
def test_delivery_status_reports_name_the_address_and_how_bad(name, severity, status):
    parsed = parse_email(corpus(name))
    assert parsed.report == "delivery-status"
    assert [(b.recipient, b.severity, b.status) for b in parsed.bounces] == [("gone.customer@hinet.example", severity, status)]


def test_a_spam_complaint_names_the_complaining_address():
    parsed = parse_email(corpus("arf_complaint.eml"))
    assert parsed.report == "feedback-report" and parsed.complaint_for == "annoyed@isp.example"


def test_a_message_without_message_id_gets_a_content_digest():
    raw = b"From: a@example.com\r\nTo: shop@shop.example\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse_email(raw).message_id == parse_email(raw).message_id
    assert parse_email(raw).message_id.startswith("sha256:")
    assert parse_email(raw + b"!").message_id != parse_email(raw).message_id


@pytest.mark.parametrize(("data", "charset", "expected"), [
    ("堃".encode("gbk"), "gb2312", "堃"), ("恒".encode("cp950"), "big5", "恒"), ("綉".encode("big5hkscs"), "big5", "綉"),
    (b"caf\xe9", "iso-8859-1", "café"), (b"ok", "x-unknown-charset", "ok"), (b"\xff\xfe", "utf-8", "\ufffd\ufffd"),
])
def test_charsets_decode_as_their_supersets_and_never_raise(data, charset, expected):
    assert decode_bytes(data, charset) == expected


@pytest.mark.parametrize("quoted", [
    "Thanks!\n\nOn Fri, Nov 20, 2026 at 3:12 PM Shop <shop@shop.example> wrote:\n> old",
    "Thanks!\n\n-----Original Message-----\nFrom: Shop",
    "Thanks!\n________________________________\n寄件者: 青田書店",
    "Thanks!\n-- \nMei\n+886 912",
    "Thanks!\n\n從我的 iPhone 傳送",
    "> quoted first\nThanks!",
])
def test_quoted_history_and_signatures_are_cut(quoted):
    assert strip_quoted(quoted) == "Thanks!"


def test_html_to_text_keeps_blocks_and_entities():
    assert html_to_text("<p>a&nbsp;b</p><p>c<br>d</p><ul><li>x</li></ul>") == "a b\n\nc\nd\n\n- x"


# --- raw 8-bit headers, mislabelled bodies, reports' references ------------------------------


@pytest.mark.parametrize(("text", "charset"), [
    ("林美 請問營業時間", "utf-8"), ("詢問營業時間", "big5"), ("陳志明", "big5"), ("询问营业时间", "gbk"), ("王喆", "gbk"),
    ("営業時間について", "shift_jis"), ("田中太郎", "shift_jis"), ("請問你們週六有開嗎", "cp950"),
])
def test_short_raw_headers_are_read_in_the_charset_they_were_written_in(text, charset):
    raw = text.encode(charset).decode("ascii", "surrogateescape")  # how the email parser hands raw bytes over
    assert decode_header_value(raw) == text


def test_the_charset_the_message_declares_elsewhere_decides_an_ambiguous_header():
    data = "询问营业时间".encode("gbk")  # also decodes as Big5, to other characters
    assert decode_unlabelled(data, hints=("gb2312",)) == "询问营业时间"
    assert decode_unlabelled("林美".encode(), hints=("big5",)) == "林美"  # UTF-8 still comes first


@pytest.mark.parametrize("data", [
    "\ufeff您好，請問營業時間？".encode("utf-16-le"), "\ufeff您好".encode("utf-16-be"),
    "Hello, opening hours? 營業時間".encode("utf-16-le"), "Hello, opening hours? 營業時間".encode("utf-16-be"),
])
def test_utf16_labelled_utf8_is_recognised(data):
    assert decode_bytes(data, "utf-8").lstrip("\ufeff") in ("您好，請問營業時間？", "您好", "Hello, opening hours? 營業時間")


def test_a_stray_nul_in_utf8_is_not_taken_for_utf16():
    assert decode_bytes(b"hello\x00world", "utf-8") == "hello\x00world"  # the sanitiser drops the NUL later


def test_encoded_words_are_joined_and_raw_bytes_beside_them_decoded():
    raw = "=?big5?B?s6+n06n6?= =?utf-8?Q?caf=C3=A9_au_lait?= 林".encode().decode("ascii", "surrogateescape")
    assert decode_header_value(raw) == "陳志明café au lait 林"


def test_a_name_that_decodes_to_address_syntax_keeps_the_address():
    raw = b"From: =?utf-8?B?" + base64.b64encode(b"Lin, Mei <evil@x.example>") + b"?= <mei@gmail.example>\r\n\r\nhi\r\n"
    parsed = parse_email(raw)
    assert (parsed.from_address, parsed.from_name) == ("mei@gmail.example", "Lin, Mei <evil@x.example>")


def test_reports_name_the_message_they_are_about_and_its_return_path():
    parsed = parse_email(corpus("bounce_hard.eml"), envelope_to=("bounces+abc@shop.example",))
    assert parsed.original_ids == ("6a1f0c3e-2b7d-4e58-8c9a-1d2e3f4a5b6c@shop.example",)
    assert parsed.return_paths == ("bounces+abc@shop.example", "bounces@shop.example")
    complaint = parse_email(corpus("arf_complaint.eml"))
    assert complaint.original_ids == ("1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6@shop.example",)
    assert "bounces@shop.example" in complaint.return_paths
    assert parse_email(corpus("gmail_utf8_qp_reply.eml")).original_ids == ()  # only reports have them
