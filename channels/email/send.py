"""Outbound email over SMTP: STARTTLS and login from config, plain text with an HTML alternative.

Every message has its own Message-ID, made from the outbox row's idempotency key, so a retry
carries the same id (receivers drop the duplicate) and a reply to it finds its conversation. A
reply to a customer's mail carries In-Reply-To and References; every message carries a Reply-To
with a signed conversation token, and a Return-Path at our own domain so bounces reach the
receiver, signed per recipient (`bounces+<signature>@`) so a bounce proves it is about our mail.
Marketing mail carries one-click List-Unsubscribe (RFC 8058) with a signed link.

Each delivery thread keeps one SMTP connection open and reuses it, so a burst is not a TLS
handshake per message. A connection that went stale is noticed at MAIL FROM, before anything was
handed over, and replaced; a failure after DATA might have delivered, so it is retried as such.
"""

from __future__ import annotations

import binascii
import html
import smtplib
import ssl
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import quote

from bot.events import Outbound
from channels.base import Delivery, DeliveryError, SendResult
from channels.card_text import card_as_plain
from channels.email.cards import card_html
from channels.email.limits import LIMITS
from channels.email.tokens import return_path as signed_return_path
from channels.email.tokens import signing_secret, thread_token, unsubscribe_token

TRANSIENT = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError, OSError)


class EmailChannel:
    name = "email"
    max_messages_per_request = LIMITS.messages_per_request

    def __init__(self, *, from_address: str, from_name: str, reply_domain: str, reply_local_part: str,
                 smtp_host: str, smtp_port: int, starttls: bool = True, username: str = "", password: str = "",
                 ca_file: str = "", connect_timeout: float = 10.0, timeout: float = 30.0, secret: bytes,
                 public_url: str) -> None:
        self.from_address = from_address
        self.from_name = from_name
        self.domain = from_address.rpartition("@")[2]
        self.reply_domain = reply_domain
        self.reply_local_part = reply_local_part
        self.bounce_address = f"bounces@{reply_domain}"  # unsigned; mail goes out with `return_path(to)`
        self._smtp = (smtp_host, smtp_port)
        self._starttls = starttls
        self._login = (username, password) if username else None
        self._tls = ssl.create_default_context(cafile=ca_file or None)
        self._connect_timeout = connect_timeout
        self._timeout = timeout
        self._secret = secret
        self._public_url = public_url.rstrip("/")
        self._local = threading.local()
        self._connections: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> "EmailChannel":
        email = settings.email
        return cls(from_address=email.from_address, from_name=email.from_name or settings.shop.name,
                   reply_domain=email.inbound_domains[0], reply_local_part=email.reply_local_part,
                   smtp_host=email.smtp_host, smtp_port=email.smtp_port, starttls=email.smtp_starttls,
                   username=email.smtp_username, password=email.smtp_password, ca_file=email.smtp_ca_file,
                   connect_timeout=email.connect_timeout, timeout=email.timeout,
                   secret=signing_secret(settings.web.secret_key),
                   public_url=settings.web.public_url or f"http://{settings.web.host}:{settings.web.port}")

    # --- building the message ------------------------------------------------------------------

    def return_path(self, to: str) -> str:
        """The envelope sender for mail to `to`, signed for it: where its bounces come back."""
        return signed_return_path(self._secret, to, self.reply_domain)

    def message_id(self, delivery: Delivery) -> str:
        return f"<{delivery.idempotency_key}@{self.domain}>"

    def build(self, delivery: Delivery, to: str) -> bytes:
        """The message as the bytes handed to SMTP (CRLF lines, 7-bit safe).

        Composed directly rather than through `email.message.EmailMessage`, whose header policy
        costs about 3 ms a message and would make that, not the network, the sender's limit."""
        parent_id, _, parent_subject = (delivery.reply_token or "").partition("\n")
        subject = _subject(delivery.messages, parent_subject, self.from_name)
        headers = [("From", formataddr((self.from_name, self.from_address), charset="utf-8")), ("To", to),
                   ("Subject", _header(subject)), ("Date", format_datetime(datetime.now(UTC))),
                   ("Message-ID", self.message_id(delivery))]
        if parent_id:
            headers += [("In-Reply-To", parent_id), ("References", parent_id)]
        reply_to = self.from_address
        if delivery.conversation_id is not None:
            reply_to = f"{self.reply_local_part}+{thread_token(self._secret, delivery.conversation_id)}@{self.reply_domain}"
            headers.append(("Reply-To", reply_to))
        unsubscribe = None
        if delivery.purpose == "marketing":
            unsubscribe = f"{self._public_url}/email/unsubscribe?t={unsubscribe_token(self._secret, to)}"
            headers += [("List-Unsubscribe", f"<{unsubscribe}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                        ("Precedence", "bulk"), ("Auto-Submitted", "auto-generated")]
        else:
            headers.append(("Auto-Submitted", "auto-replied"))  # RFC 3834: autoresponders must not answer us
        boundary = f"=_{delivery.idempotency_key.replace('-', '')}"
        headers += [("MIME-Version", "1.0"), ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
        text = render_text(delivery.messages, unsubscribe)
        html_body = render_html(delivery.messages, unsubscribe, reply_to, subject)
        lines = [f"{name}: {value}" for name, value in headers]
        for subtype, content in (("plain", text), ("html", html_body)):
            lines += [f"--{boundary}", f"Content-Type: text/{subtype}; charset=utf-8",
                      "Content-Transfer-Encoding: quoted-printable", "", _quoted_printable(content)]
        lines += [f"--{boundary}--", ""]
        return "\r\n".join(lines).encode("ascii")

    # --- sending -------------------------------------------------------------------------------

    def send(self, delivery: Delivery) -> SendResult:
        if len(delivery.recipients) > 1:
            raise DeliveryError("an email request goes to one recipient", retryable=False)
        to = str(delivery.recipients[0] if delivery.recipients else delivery.address)
        if "@" not in to or any(c in to for c in "\r\n\t <>,;\"") or len(to) > 254:
            raise DeliveryError(f"not an email address: {to[:100]!r}", retryable=False)
        if not to.isascii():  # an internationalised address needs SMTPUTF8 end to end; we send 7-bit
            raise DeliveryError("the address is not ASCII (SMTPUTF8 is not supported for sending)", retryable=False)
        data = self.build(delivery, to)
        self._transaction(to, data)
        return SendResult("smtp", (self.message_id(delivery),))

    def _transaction(self, to: str, data: bytes) -> None:
        connection = self._connection()
        try:
            code, reply = connection.mail(self.return_path(to))
        except TRANSIENT:  # a stale connection: nothing was handed over, try once on a fresh one
            self._drop(connection)
            connection = self._connection()
            code, reply = connection.mail(self.return_path(to))
        try:
            _expect(code, reply, (250,), "MAIL FROM")
            code, reply = connection.rcpt(to)
            _expect(code, reply, (250, 251), "RCPT TO")
        except DeliveryError:
            self._reset(connection)
            raise
        try:
            code, reply = connection.data(data)
        except TRANSIENT as exc:
            self._drop(connection)
            raise DeliveryError(f"SMTP connection lost during DATA: {type(exc).__name__}", retryable=True, maybe_sent=True) from None
        if code != 250:
            self._reset(connection)
        _expect(code, reply, (250,), "DATA")

    def _connection(self) -> smtplib.SMTP:
        connection = getattr(self._local, "smtp", None)
        if connection is not None:
            return connection
        host, port = self._smtp
        try:
            connection = smtplib.SMTP(host, port, timeout=self._connect_timeout)
            connection.ehlo()
            if self._starttls:
                connection.starttls(context=self._tls)
                connection.ehlo()
            if self._login:
                connection.login(*self._login)
            if connection.sock is not None:
                connection.sock.settimeout(self._timeout)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code})", retryable=True, status=exc.smtp_code) from None
        except (smtplib.SMTPException, ssl.SSLError, *TRANSIENT) as exc:
            raise DeliveryError(f"SMTP server unreachable: {type(exc).__name__}: {exc}", retryable=True) from None
        self._local.smtp = connection
        with self._lock:
            self._connections.append(connection)
        return connection

    def _reset(self, connection: smtplib.SMTP) -> None:
        try:
            connection.rset()
        except TRANSIENT:
            self._drop(connection)

    def _drop(self, connection: smtplib.SMTP) -> None:
        self._local.smtp = None
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)
        try:
            connection.close()
        except OSError:
            pass

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.quit()
            except (smtplib.SMTPException, *TRANSIENT):
                connection.close()


def _expect(code: int, reply: bytes, accepted: tuple[int, ...], step: str) -> None:
    if code in accepted:
        return
    text = reply.decode("utf-8", "replace")[:300]
    # 4xx: try again later (greylisting, a full queue); 5xx: this will never work.
    raise DeliveryError(f"SMTP {step} answered {code}: {text}", retryable=400 <= code < 500 or code < 0, status=code)


def _header(value: str) -> str:
    """A header value as RFC 2047 encoded words when it is not plain ASCII, folded to 76 columns."""
    value = " ".join(value.split())[:300]  # one line, whatever the text held: no header injection
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


def _quoted_printable(text: str) -> str:
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True).decode("ascii")
    return encoded.replace("\n", "\r\n")


def _subject(messages: Sequence[Outbound], parent_subject: str, shop: str) -> str:
    titled = next((m.title for m in messages if m.title), None)
    if titled:
        return titled
    if parent_subject:
        return parent_subject if parent_subject.lower().startswith("re:") else f"Re: {parent_subject}"
    return shop


def _button_lines(message: Outbound) -> list[str]:
    return [f"  - {b.label}: {b.data}" if b.action == "uri" else f"  - {b.text or b.label}"
            for b in (*message.buttons, *message.quick_replies)]


def render_text(messages: Sequence[Outbound], unsubscribe: str | None) -> str:
    blocks = []
    for message in map(card_as_plain, messages):
        lines = [message.text]
        if message.buttons or message.quick_replies:
            lines += ["", *_button_lines(message)]
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    if unsubscribe:
        text += f"\n\n--\nUnsubscribe / 取消訂閱: {unsubscribe}"
    return text + "\n"


def render_html(messages: Sequence[Outbound], unsubscribe: str | None, reply_to: str, subject: str) -> str:
    """The same content as HTML; customer-provided text is always escaped. A button is a link that
    opens a reply with its words, which the bot understands like typed text (a "uri" button: its address)."""
    parts = []
    for card_message in messages:
        cards = card_html(card_message)
        message = card_as_plain(card_message)
        parts.append(cards or "<p>" + html.escape(message.text).replace("\n", "<br>") + "</p>")
        buttons = [*message.buttons, *message.quick_replies]
        if buttons:
            items = []
            for button in buttons:
                words = button.text or button.label
                href = (button.data if button.action == "uri"
                        else f"mailto:{reply_to}?subject={quote('Re: ' + subject)}&body={quote(words)}")
                items.append(f'<li><a href="{html.escape(href)}">{html.escape(button.label)}</a></li>')
            parts.append("<ul>" + "".join(items) + "</ul>")
    if unsubscribe:
        parts.append(f'<p style="font-size:small"><a href="{html.escape(unsubscribe)}">Unsubscribe / 取消訂閱</a></p>')
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"
