"""Delivery reports (DSN bounces) and spam complaints (ARF) through the real receiver, and what they
may change: an address's state changes only when the report proves it is about a message we sent
to that address (our Message-ID in its copy of the original, or the return path we signed for
that address). Anyone can write a report naming any address; an unproven one is kept as history
(an ignored `unknown` inbox row) and changes nothing."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from channels.email.tokens import return_path, signing_secret
from models import ChannelIdentity, Consent, InboxEvent
from tests.channels.conftest import mail

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GONE = "gone.customer@hinet.example"
OTHER = "still.here@hinet.example"
ANNOYED = "annoyed@isp.example"
# The Message-ID in the corpus reports' copies of the original: one we never sent.
CORPUS_KEY = b"6a1f0c3e-2b7d-4e58-8c9a-1d2e3f4a5b6c"
ARF_KEY = b"1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def unique(raw: bytes) -> bytes:
    """The same report with its own Message-ID, as a second report from the mail system would be."""
    return re.sub(rb"(?im)^(Message-Id: <)[^>@]+", lambda m: m.group(1) + uuid.uuid4().hex.encode(), raw, count=1)


def our_key(reply) -> bytes:
    """The idempotency key in the Message-ID of a mail we sent."""
    return reply["Message-ID"].strip("<>").split("@", 1)[0].encode()


def identity(db, address: str) -> ChannelIdentity | None:
    return db.scalar(select(ChannelIdentity).where(ChannelIdentity.platform_user_id == address))


def report_rows(db) -> list[tuple[str, str, dict]]:
    rows = db.all(select(InboxEvent).order_by(InboxEvent.id))
    return [(r.kind, r.status, r.payload["payload"]) for r in rows if r.kind in ("bounce", "unknown", "opt_out")]


def mailed(email_chat, address: str):
    """`address` writes to us; returns our answer (a message we sent to that address)."""
    replies = email_chat.send(mail("營業時間？", sender=address), mail_from=address)
    assert replies and replies[-1]["To"] == address
    return replies[-1]


def bounce(email_chat, raw: bytes, to: str = "bounces@shop.example") -> None:
    assert email_chat.send(unique(raw).replace(b"To: bounces@shop.example", f"To: {to}".encode()), mail_from="", to=[to]) == []


# --- bounces ----------------------------------------------------------------------------------


def test_a_hard_bounce_naming_our_message_id_marks_the_address_undeliverable(email_chat, db):
    answer = mailed(email_chat, GONE)
    bounce(email_chat, corpus("bounce_hard.eml").replace(CORPUS_KEY, our_key(answer)))
    found = identity(db, GONE)
    assert found.reachable is False and found.unreachable_reason == "email:bounce:hard"
    assert report_rows(db)[-1][:2] == ("bounce", "done") and report_rows(db)[-1][2]["proof"] == "message-id"


def test_soft_bounces_of_our_mail_count_towards_undeliverable(email_chat, db):
    answer = mailed(email_chat, GONE)
    for _ in range(2):
        bounce(email_chat, corpus("bounce_soft.eml").replace(CORPUS_KEY, our_key(answer)))
    found = identity(db, GONE)
    assert found.soft_failures == 2 and found.reachable is True


def test_a_bounce_for_a_message_we_never_sent_changes_nothing_and_is_kept(email_chat, db):
    mailed(email_chat, GONE)  # a customer we did mail, but the report cites another Message-ID
    bounce(email_chat, corpus("bounce_hard.eml"))
    bounce(email_chat, corpus("bounce_soft.eml"))
    found = identity(db, GONE)
    assert found.reachable is True and found.soft_failures == 0
    kinds = [(kind, status, payload.get("unverified")) for kind, status, payload in report_rows(db)]
    assert kinds == [("unknown", "ignored", True)] * 2  # history, never handled


def test_our_message_id_sent_to_someone_else_does_not_bounce_this_address(email_chat, db):
    mailed(email_chat, GONE)
    to_other = mailed(email_chat, OTHER)
    # A report naming GONE, citing a real Message-ID of ours, but one that went to OTHER.
    bounce(email_chat, corpus("bounce_hard.eml").replace(CORPUS_KEY, our_key(to_other)))
    assert identity(db, GONE).reachable is True and identity(db, OTHER).reachable is True


def test_a_bounce_to_the_return_path_signed_for_the_address_counts(email_chat, outbox_mail, db):
    mailed(email_chat, GONE)
    signed = outbox_mail.messages[-1]["mail_from"]
    assert signed.startswith("bounces+") and signed.endswith("@shop.example")
    bounce(email_chat, corpus("bounce_status_only.eml"), to=signed)  # no copy of the original: the path is the proof
    assert identity(db, GONE).reachable is False
    assert report_rows(db)[-1][2]["proof"] == "return-path"


@pytest.mark.parametrize("to", ["bounces@shop.example", "bounces+aaaaaaaaaaaaaaaa@shop.example", "signed-for-other"])
def test_a_bounce_to_an_unsigned_or_wrongly_signed_return_path_changes_nothing(email_chat, runtime, db, to):
    mailed(email_chat, GONE)
    if to == "signed-for-other":  # a genuine return path of ours, but the one for another address
        to = return_path(signing_secret(runtime.settings.web.secret_key), OTHER, "shop.example")
    bounce(email_chat, corpus("bounce_status_only.eml"), to=to)
    assert identity(db, GONE).reachable is True
    assert report_rows(db)[-1][:2] == ("unknown", "ignored")


def test_a_report_about_an_address_we_never_mailed_creates_no_customer(email_chat, db):
    bounce(email_chat, corpus("bounce_hard.eml"))
    assert identity(db, GONE) is None
    assert report_rows(db) and report_rows(db)[-1][:2] == ("unknown", "ignored")


# --- spam complaints (ARF) --------------------------------------------------------------------


def test_a_complaint_about_our_message_opts_the_address_out_without_a_reply(email_chat, db):
    answer = mailed(email_chat, ANNOYED)
    bounce(email_chat, corpus("arf_complaint.eml").replace(ARF_KEY, our_key(answer)))
    consent = db.scalar(select(Consent).where(Consent.channel == "email"))
    assert consent.granted is False and consent.source == "email:spam_complaint"


def test_a_complaint_with_our_signed_original_mail_from_counts(email_chat, outbox_mail, db):
    mailed(email_chat, ANNOYED)
    signed = outbox_mail.messages[-1]["mail_from"].encode()
    # The feedback loop does not copy the original, but says which return path it came from.
    raw = corpus("arf_complaint.eml").replace(b"Original-Mail-From: <bounces@shop.example>", b"Original-Mail-From: <" + signed + b">")
    raw = raw.replace(ARF_KEY, uuid.uuid4().hex.encode())
    bounce(email_chat, raw)
    assert db.scalar(select(Consent.granted).where(Consent.channel == "email")) is False


def test_a_forged_complaint_changes_no_consent(email_chat, db):
    mailed(email_chat, ANNOYED)  # we did mail this address, but the complaint cites no mail of ours
    bounce(email_chat, corpus("arf_complaint.eml"))
    assert db.scalar(select(Consent).where(Consent.channel == "email", Consent.granted.is_(False))) is None
    assert report_rows(db)[-1][:2] == ("unknown", "ignored") and report_rows(db)[-1][2]["unverified"] is True


def test_a_complaint_about_an_address_we_never_mailed_changes_nothing(email_chat, db):
    bounce(email_chat, corpus("arf_complaint.eml"))
    assert db.scalar(select(Consent)) is None and identity(db, ANNOYED) is None
