"""Mail as real mail servers and clients write it, end to end through the real receiver: raw 8-bit
headers with no declared charset (RFC 6532 UTF-8, old clients' Big5, GBK, Shift_JIS), UTF-16
bodies labelled UTF-8, NUL bytes, a From of 300 characters, bytes that fit no charset. Each is
accepted (250), stored as the text the sender meant with no NUL or lone surrogate anywhere, and
answered like any other mail, threaded to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.email_intake import EmailIntake
from bot.safe_text import has_unstorable
from channels.email.parse import parse_email
from models import ChannelIdentity, InboxEvent, Message

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# corpus file, envelope sender, (address answered, display name, subject, what the customer wrote)
REAL_WORLD = [
    ("smtputf8_raw_utf8_headers.eml", "meiling.wu@icloud.example",
     ("meiling.wu@icloud.example", "吳美玲", "請問週六的營業時間？", "您好，請問營業時間？週六想帶孩子過去。")),
    ("raw_big5_outlook_express.eml", "ahui.lai@seed.example",
     ("ahui.lai@seed.example", "賴阿輝", "詢問營業時間", "請問營業時間？恒春的朋友想週日過去。")),
    ("raw_gbk_no_mime.eml", "wangzhe1987@163.example",
     ("wangzhe1987@163.example", "王喆", "请问营业时间", "你好，请问营业时间是几点？堃哥推荐我来的。")),
    ("raw_shift_jis_no_charset.eml", "tanaka.taro@example.jp",
     ("tanaka.taro@example.jp", "田中太郎", "営業時間について", "こんにちは。営業時間を教えてください。")),
    ("utf16_bom_labelled_utf8.eml", "orders@erp.example",
     ("orders@erp.example", "张先生", "請問營業時間", "您好，請問營業時間？\n張先生")),
    ("utf16_no_bom_labelled_utf8.eml", "it@factory.example",
     ("it@factory.example", "Factory IT", "opening hours", "Hello,\nwhat are your opening hours? 請問營業時間？\nThanks")),
    ("nul_bytes.eml", "probe@nul.example", ("probe@nul.example", "Nul Tester", "請問營業時間", "請問營業時間？")),
    ("from_300_characters.eml", "service.lin@bigcorp.example",
     ("service.lin@bigcorp.example", "青田書店股份有限公司 台北總公司 客戶服務部 資深專員 " * 3 + "林小姐",
      "請問營業時間", "請問營業時間？")),
    # No mail system delivers to a 300-character address: the answer goes to the envelope sender.
    ("from_address_300_characters.eml", "real.sender@relay.example", ("real.sender@relay.example", "Long", "hours", "請問營業時間？")),
    ("undecodable_8bit_headers.eml", "mangled@gateway.example",
     ("mangled@gateway.example", "\ufffd" * 4, "\ufffd" * 4 + " " + "\ufffd", "請問營業時間？\ufffd\ufffd")),
]


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def text_events(db) -> list[InboxEvent]:
    return [row for row in db.all(select(InboxEvent).order_by(InboxEvent.id)) if row.kind == "text"]


@pytest.mark.parametrize(("name", "mail_from", "expected"), REAL_WORLD, ids=[r[0] for r in REAL_WORLD])
def test_real_world_mail_is_stored_as_meant_and_answered(email_chat, db, name, mail_from, expected):
    address, from_name, subject, text = expected
    raw = (CORPUS / name).read_bytes()
    replies = email_chat.send(raw, mail_from=mail_from)  # raises unless the receiver answered 250

    [event] = text_events(db)
    payload = event.payload
    assert event.status == "done", event.error
    assert (payload["user_id"], payload["payload"]["from_name"], payload["payload"]["subject"], payload["text"]) == (
        address, from_name[:200], subject, text)
    stored = db.scalar(select(Message.text).where(Message.direction == "in", Message.kind == "text"))
    assert stored == text
    assert db.scalar(select(ChannelIdentity.platform_user_id)) == address

    assert replies, "no answer was sent"
    message_id = "<" + parse_email(raw).message_id + ">"
    for reply in replies:
        assert reply["To"] == address and reply["In-Reply-To"] == message_id
        assert reply["Subject"] == f"Re: {subject}"
    if "營業時間" in text or "营业时间" in text:
        assert any("營業時間" in r.get_body(preferencelist=("plain",)).get_content() for r in replies)


def test_no_nul_or_lone_surrogate_reaches_the_database(email_chat, db):
    for name, mail_from, _ in REAL_WORLD:
        email_chat.send((CORPUS / name).read_bytes(), mail_from=mail_from)
    rows = db.all(select(InboxEvent))
    assert len([r for r in rows if r.kind == "text"]) == len(REAL_WORLD)
    for row in rows:
        assert row.status in ("done", "ignored"), (row.kind, row.error)
        assert not any(has_unstorable(s) for s in strings_in(row.payload)), row.kind
    for text in db.all(select(Message.text)):
        assert text is None or not has_unstorable(text)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.eml")))
def test_every_corpus_mail_parses_to_storable_text(name):
    parsed = parse_email((CORPUS / name).read_bytes(), envelope_from="", envelope_to=("shop@shop.example",))
    strings = [parsed.message_id, parsed.from_address, parsed.from_name, parsed.subject, parsed.text,
               *parsed.recipients, *parsed.references, *parsed.original_ids, *parsed.return_paths,
               *(str(a) for a in parsed.attachments), *(b.recipient for b in parsed.bounces)]
    assert not any(has_unstorable(s) for s in strings)


def test_without_an_envelope_an_unusable_from_is_kept_as_history(runtime, db):
    """The IMAP poller has no envelope sender to fall back on: the mail is stored, not answered."""
    intake = EmailIntake.from_settings(runtime.settings, runtime.sessions)
    assert intake.store((CORPUS / "from_address_300_characters.eml").read_bytes(), None, ()) is True
    [row] = db.all(select(InboxEvent))
    assert (row.kind, row.status) == ("unknown", "ignored")
    assert db.scalar(select(ChannelIdentity)) is None
