"""Email end to end with real SMTP both ways: a customer's mail arrives at the receiver over
STARTTLS, the bot's answer leaves over STARTTLS with a login and lands at the provider stand-in,
threaded to the customer's message; bad input gets its SMTP answer and loses nothing."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.email_intake import EmailIntake
from channels.email.receiver import EmailReceiver
from channels.email.tokens import read_thread_token, return_path, signing_secret
from models import Conversation, InboxEvent, Message
from models.db import make_engine, make_session_factory
from tests.channels.conftest import CUSTOMER, body, mail, send_mail
from tests.pg import free_port

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def inbox_count(db) -> int:
    return db.scalar(select(func.count()).select_from(InboxEvent))


def test_a_first_email_gets_the_welcome_and_the_answer_threaded_to_it(email_chat, outbox_mail, runtime):
    question = mail("請問營業時間？")
    welcome, answer = email_chat.send(question)
    assert "歡迎加入青田書店" in body(welcome) and "9 折券" in body(welcome)
    assert "營業時間：週一至週五" in body(answer)
    assert "營業時間：週一至週五" in body(answer, "html")  # the HTML alternative says the same
    for reply in (welcome, answer):
        assert reply["In-Reply-To"] == question["Message-ID"] and reply["References"] == question["Message-ID"]
        assert reply["Subject"] == "Re: 問題" and reply["Auto-Submitted"] == "auto-replied"
        assert reply["Message-ID"].endswith("@shop.example>") and reply["To"] == CUSTOMER
    assert welcome["Message-ID"] != answer["Message-ID"]
    token = answer["Reply-To"].split("+", 1)[1].split("@", 1)[0]
    assert read_thread_token(signing_secret(runtime.settings.web.secret_key), token) is not None
    sent = outbox_mail.messages[-1]
    assert sent["tls"] is True  # bounces come back to us, to a return path signed for this recipient:
    assert sent["mail_from"] == return_path(signing_secret(runtime.settings.web.secret_key), CUSTOMER, "shop.example")
    assert sent["mail_from"].startswith("bounces+")


def test_replies_find_their_conversation_by_in_reply_to_references_then_token(email_chat, db):
    [_, answer] = email_chat.send(mail("地址？"))
    # From another address of the customer's, with each threading signal alone:
    by_id = mail("thanks", sender="mei@work.example", In_Reply_To=answer["Message-ID"])
    by_refs = mail("again", sender="mei@work.example", References=f"<other@x.example> {answer['Message-ID']}")
    by_token = mail("and again", sender="mei@work.example", to=answer["Reply-To"])
    email_chat.send(by_id)
    email_chat.send(by_refs)
    email_chat.send(by_token, to=[answer["Reply-To"]])
    threads = [p["payload"]["thread"] for p in db.all(select(InboxEvent.payload).order_by(InboxEvent.id)) if p["kind"] == "text"]
    assert threads == ["new", "in-reply-to", "references", "reply-token"]
    assert db.scalar(select(func.count()).select_from(Conversation)) == 1


def test_a_forged_reply_token_does_not_join_a_conversation(email_chat, db):
    [_, answer] = email_chat.send(mail("地址？"))
    forged = answer["Reply-To"].replace("+c", "+c9")
    email_chat.send(mail("hello", sender="stranger@example.org", to=forged), mail_from="stranger@example.org", to=[forged])
    assert db.scalar(select(func.count()).select_from(Conversation)) == 2


def test_a_redelivered_message_id_is_stored_and_answered_once(email_chat, db):
    question = mail("營業時間")
    assert len(email_chat.send(question)) == 2
    assert email_chat.send(question) == []
    assert db.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.kind == "text")) == 1


def test_big5_mail_from_outlook_is_understood(email_chat):
    [_, answer] = email_chat.send((CORPUS / "outlook_big5_base64.eml").read_bytes(), mail_from="cm.chen@hinet.example")
    assert "營業時間：週一至週五" in body(answer)
    assert answer["Subject"] == "Re: 詢問時間"


@pytest.mark.parametrize(("name", "mail_from"), [("auto_reply.eml", "ivy.huang@corp.example"),
                                                 ("bulk_newsletter.eml", "news@publisher.example")])
def test_automatic_mail_is_kept_as_history_and_never_answered(email_chat, db, name, mail_from):
    assert email_chat.send((CORPUS / name).read_bytes(), mail_from=mail_from) == []
    assert db.scalar(select(func.count()).select_from(Message)) == 1  # recorded, not lost


def test_a_message_with_an_empty_return_path_is_not_answered(email_chat):
    assert email_chat.send(mail("營業時間"), mail_from="") == []


def test_mail_for_a_foreign_domain_is_refused_550_never_relayed(receiver, db, certificate):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(receiver, mail("relay me").as_bytes(), mail_from=CUSTOMER, to=["victim@elsewhere.example"],
                  ca_file=certificate[0])
    code, reason = refused.value.recipients["victim@elsewhere.example"]
    assert code == 550 and b"Relaying denied" in reason
    assert inbox_count(db) == 0


def test_mail_over_the_size_limit_is_refused_552(receiver, db, certificate):
    big = mail("x" * 70000)
    with pytest.raises(smtplib.SMTPException) as refused:
        send_mail(receiver, big.as_bytes(), mail_from=CUSTOMER, to=["shop@shop.example"], ca_file=certificate[0])
    assert "552" in str(refused.value) or getattr(refused.value, "smtp_code", None) == 552
    assert inbox_count(db) == 0


def test_when_the_database_is_down_the_answer_is_451_and_a_retry_stores_it(runtime, receiver, db, certificate):
    broken = make_session_factory(make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none"))
    intake = EmailIntake.from_settings(runtime.settings, broken)
    down = EmailReceiver(intake.store, domains=("shop.example",), host="127.0.0.1", port=free_port(), max_bytes=65536).start()
    message = mail("營業時間").as_bytes()
    try:
        with pytest.raises(smtplib.SMTPDataError) as deferred:
            send_mail(down, message, mail_from=CUSTOMER, to=["shop@shop.example"])
        assert deferred.value.smtp_code == 451
    finally:
        down.stop()
    send_mail(receiver, message, mail_from=CUSTOMER, to=["shop@shop.example"], ca_file=certificate[0])  # the sender's retry
    assert db.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.kind == "text")) == 1
