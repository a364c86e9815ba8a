"""Outbound email and its edges: one-click unsubscribe (POST only, signed, never a redirect),
SMTP answers turned into retry / fail, the server's certificate checked, and the IMAP poller."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import make_msgid

import requests
from sqlalchemy import select

from bot import pipeline
from bot.email_intake import EmailIntake
from bot.events import Button, Outbound
from channels.base import Delivery, DeliveryError
from channels.email.imap_poller import ImapPoller
from channels.email.send import EmailChannel
from channels.email.tokens import signing_secret, unsubscribe_token
from models import ChannelIdentity, Consent, Customer, InboxEvent, OutboxMessage
from tests.channels.imap_standin import ImapStandin

CUSTOMER = "mei.lin@gmail.example"


def enqueue(runtime, *texts, purpose="reply", address=CUSTOMER, **fields):
    with runtime.sessions.begin() as session:
        return [r.id for r in pipeline.enqueue(session, "email", address, [Outbound(t, **fields) for t in texts], purpose=purpose)]


def subscriber(runtime, address=CUSTOMER):
    """A customer on email who gives marketing consent there (marketing is only sent to such)."""
    with runtime.sessions.begin() as session:
        customer = Customer(display_name="美玲")
        session.add(customer)
        session.flush()
        session.add_all([ChannelIdentity(customer_id=customer.id, channel="email", platform_user_id=address),
                         Consent(customer_id=customer.id, channel="email", purpose="marketing", granted=True, source="test")])


def test_marketing_mail_carries_one_click_unsubscribe(runtime, worker, outbox_mail, db):
    subscriber(runtime)
    [row_id] = enqueue(runtime, "春季書展 8 折", purpose="marketing", buttons=(Button("看書單", "list", "書單"),))
    worker.deliver_once()
    assert db.get(OutboxMessage, row_id).status == "sent"
    sent = outbox_mail.parsed()
    link = sent["List-Unsubscribe"]
    assert link.startswith("<https://shop.example/email/unsubscribe?t=") and link.endswith(">")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Precedence"] == "bulk"
    plain = sent.get_body(preferencelist=("plain",)).get_content()
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "春季書展 8 折" in plain and "- 書單" in plain and "Unsubscribe" in plain
    assert "mailto:" in html and "春季書展 8 折" in html


def test_marketing_mail_to_an_address_without_consent_is_withheld(runtime, worker, outbox_mail, db):
    subscriber(runtime, "someone.else@gmail.example")
    [row_id] = enqueue(runtime, "春季書展 8 折", purpose="marketing")
    worker.deliver_once()
    assert db.get(OutboxMessage, row_id).status == "withheld"
    assert outbox_mail.messages == []


def test_replies_carry_no_unsubscribe_and_customer_text_is_escaped_in_html(runtime, worker, outbox_mail):
    enqueue(runtime, "<script>alert('x')</script> & more")
    worker.deliver_once()
    sent = outbox_mail.parsed()
    assert sent["List-Unsubscribe"] is None
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_unsubscribe_get_only_shows_a_confirm_page_and_post_opts_out(server, runtime, worker, db):
    token = unsubscribe_token(signing_secret(runtime.settings.web.secret_key), CUSTOMER)
    url = f"{server}/email/unsubscribe?t={token}"
    page = requests.get(url, timeout=5, allow_redirects=False)
    assert page.status_code == 200 and 'method="post"' in page.text and CUSTOMER in page.text
    worker.drain()
    assert db.scalar(select(Consent)) is None  # a link scanner's GET changed nothing
    done = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=5, allow_redirects=False)
    assert done.status_code == 200 and "Unsubscribed" in done.text
    worker.drain()
    consent = db.scalar(select(Consent).where(Consent.channel == "email"))
    assert consent.granted is False and consent.source == "email:list-unsubscribe"
    assert db.all(select(OutboxMessage)) == []  # nobody is emailed about it


def test_a_bad_or_tampered_unsubscribe_token_is_refused(server, runtime, db):
    good = unsubscribe_token(signing_secret(runtime.settings.web.secret_key), CUSTOMER)
    other = unsubscribe_token(signing_secret(runtime.settings.web.secret_key), "victim@example.com")
    tampered = other.split(".")[0] + "." + good.split(".")[1]
    for token in ("", "garbage", tampered, good[:-1] + ("a" if good[-1] != "a" else "b")):
        for method in (requests.get, requests.post):
            response = method(f"{server}/email/unsubscribe?t={token}", timeout=5, allow_redirects=False)
            assert response.status_code == 400 and "not valid" in response.text
    assert db.all(select(InboxEvent)) == []


def test_4xx_from_the_smtp_server_retries_and_5xx_fails_with_the_reason(runtime, worker, outbox_mail, db):
    [later] = enqueue(runtime, "greylisted")
    outbox_mail.fail_next("451 4.7.1 Greylisted, try again")
    worker.deliver_once()
    row = db.get(OutboxMessage, later)
    assert row.status == "pending" and "451" in row.last_error
    time.sleep(0.08)
    worker.deliver_once()
    assert db.get(OutboxMessage, later).status == "sent"
    [never] = enqueue(runtime, "rejected", address="nobody@shop.test")
    outbox_mail.fail_next("554 5.7.1 Message rejected")
    worker.deliver_once()
    row = db.get(OutboxMessage, never)
    assert row.status == "failed" and "554" in row.last_error and row.attempts == 1


def test_a_retry_reuses_the_message_id(runtime, worker, outbox_mail, db):
    [row_id] = enqueue(runtime, "once")
    outbox_mail.fail_next("421 4.3.2 Service shutting down")
    worker.deliver_once()
    time.sleep(0.08)
    worker.deliver_once()
    assert db.get(OutboxMessage, row_id).platform_ids == [f"<{db.get(OutboxMessage, row_id).idempotency_key}@shop.example>"]
    assert outbox_mail.parsed()["Message-ID"] == db.get(OutboxMessage, row_id).platform_ids[0]


def test_an_untrusted_certificate_or_a_wrong_password_is_not_sent_to(settings, outbox_mail, certificate):
    def channel(**changes) -> EmailChannel:
        return EmailChannel.from_settings(settings.replace(email=changes))

    delivery = Delivery(CUSTOMER, [Outbound("secret stuff")], "8c1d0e6a-6d55-4f55-9f65-3b2f0d1c2b3a")
    for broken, reason in ((channel(smtp_ca_file=""), "CERTIFICATE_VERIFY_FAILED"),
                           (channel(smtp_password="wrong"), "login refused")):
        try:
            broken.send(delivery)
            raise AssertionError("sent despite " + reason)
        except DeliveryError as exc:
            assert reason in exc.reason and exc.retryable
    assert outbox_mail.messages == []


def test_one_connection_serves_many_messages(settings, outbox_mail):
    channel = EmailChannel.from_settings(settings)
    for n in range(5):
        channel.send(Delivery(CUSTOMER, [Outbound(f"m{n}")], f"00000000-0000-4000-8000-00000000000{n}"))
    assert len(outbox_mail.messages) == 5
    assert len(channel._connections) == 1
    channel.close()


def test_the_imap_poller_stores_unseen_mail_once_and_flags_it_seen(runtime, db):
    mailbox = ImapStandin("shop@shop.example", "imap pass").start()
    try:
        for text in ("營業時間", "地址"):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = CUSTOMER, "shop@shop.example", text
            message["Message-ID"] = make_msgid(domain="gmail.example")
            message.set_content(text)
            mailbox.add(message.as_bytes())
        intake = EmailIntake.from_settings(runtime.settings, runtime.sessions)
        poller = ImapPoller(intake.store, host="127.0.0.1", port=mailbox.port, use_ssl=False,
                            username="shop@shop.example", password="imap pass", timeout=5)
        assert poller.poll_once() == 2
        assert all(m["seen"] for m in mailbox.messages)
        assert poller.poll_once() == 0
        texts = [p["text"] for p in db.all(select(InboxEvent.payload)) if p["kind"] == "text"]
        assert sorted(texts) == ["地址", "營業時間"]
        mailbox.messages[0]["seen"] = False  # delivered again (another client unflagged it): stored once
        assert poller.poll_once() == 1
        assert len([p for p in db.all(select(InboxEvent.payload)) if p["kind"] == "text"]) == 2
    finally:
        mailbox.stop()


def test_the_imap_poller_refuses_a_wrong_password(runtime):
    mailbox = ImapStandin("shop@shop.example", "imap pass").start()
    try:
        poller = ImapPoller(lambda *a: True, host="127.0.0.1", port=mailbox.port, use_ssl=False,
                            username="shop@shop.example", password="nope", timeout=5)
        try:
            poller.poll_once()
            raise AssertionError("logged in with a wrong password")
        except Exception as exc:  # imaplib.IMAP4.error
            assert "Invalid credentials" in str(exc)
    finally:
        mailbox.stop()

