"""One raw email (RFC 5322 bytes) read into what the bot needs: who, what, which thread, and whether
it is a person, an automatic message, a bounce or a spam complaint.

Parsed with the standard library's `email` package and `policy.default`. Nothing here raises on a
bad message: a mail system may send anything, and a message we cannot read well is still stored
with what we could read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from channels.email_text import decode_bytes, decode_header_value, html_to_text, strip_quoted

MESSAGE_ID_RE = re.compile(r"<([^<>\s]{1,250})>")
SUBJECT_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|回覆|回复|答复|轉寄|转发)\s*[:：]\s*)+", re.I)
NOISY_PRECEDENCE = {"bulk", "list", "junk"}


@dataclass(frozen=True)
class Bounce:
    """One recipient in a delivery status report."""

    recipient: str
    severity: str  # "hard" or "soft"
    status: str
    action: str


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    recipients: tuple[str, ...]
    subject: str
    date: datetime
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    from_html: bool
    attachments: tuple[dict[str, Any], ...] = ()
    automatic: str | None = None  # why no automatic answer may go back, or None
    bounces: tuple[Bounce, ...] = ()
    complaint_for: str | None = None  # the address a spam complaint (ARF) is about
    report: str | None = None  # "delivery-status" / "feedback-report" for reports
    charsets: tuple[str, ...] = field(default=())

    @property
    def bare_subject(self) -> str:
        return SUBJECT_PREFIX_RE.sub("", self.subject).strip()


def parse_email(raw: bytes, envelope_from: str | None = None, envelope_to: tuple[str, ...] = ()) -> ParsedEmail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    from_name, from_address = parseaddr(str(message.get("From", "")))
    raw_headers = {name.lower(): value for name, value in reversed(list(message.raw_items()))}
    references = tuple(MESSAGE_ID_RE.findall(str(message.get("References", ""))))
    in_reply_to = MESSAGE_ID_RE.findall(str(message.get("In-Reply-To", "")))
    message_id = MESSAGE_ID_RE.findall(str(message.get("Message-ID", "")))
    report_type = message.get_param("report-type", header="content-type") if message.get_content_type() == "multipart/report" else None
    text, from_html, charsets = _body_text(message)
    recipients = tuple(a.lower() for a in envelope_to) + tuple(
        address.lower() for _, address in getaddresses([str(v) for h in ("To", "Cc", "Delivered-To") for v in message.get_all(h, [])])
        if address)
    return ParsedEmail(
        message_id=message_id[0] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest(),
        from_address=from_address.strip().lower(),
        from_name=_display_name(raw_headers.get("from", ""), from_name),
        recipients=tuple(dict.fromkeys(recipients)),
        subject=decode_header_value(str(raw_headers.get("subject", ""))),
        date=_date(message),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        text=strip_quoted(text),
        from_html=from_html,
        attachments=tuple(_attachments(message)),
        automatic=_automatic(message, envelope_from),
        bounces=tuple(_bounces(message)) if report_type == "delivery-status" else (),
        complaint_for=_complaint_recipient(message) if report_type == "feedback-report" else None,
        report=str(report_type) if report_type else None,
        charsets=charsets,
    )


def _display_name(raw_from: str, parsed_name: str) -> str:
    """The sender's name decoded with charset supersets (a GBK name in a `gb2312` header)."""
    name = parseaddr(decode_header_value(str(raw_from)))[0]
    return (name or parsed_name).strip()


def _date(message: Message) -> datetime:
    try:
        parsed = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)  # undoes quoted-printable and base64
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    return decode_bytes(payload, part.get_content_charset())


def _body_text(message: EmailMessage) -> tuple[str, bool, tuple[str, ...]]:
    """The text/plain body, else the HTML body as text; reports use their human-readable part."""
    charsets = tuple(sorted({c for c in (p.get_content_charset() for p in message.walk()) if c}))
    try:
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            return _text_of(body), False, charsets
        body = message.get_body(preferencelist=("html",))
        if body is not None:
            return html_to_text(_text_of(body)), True, charsets
    except (KeyError, LookupError, ValueError):
        pass
    for part in message.walk():  # a malformed structure: the first text part we can find
        if part.get_content_maintype() == "text":
            text = _text_of(part)
            return (html_to_text(text), True, charsets) if part.get_content_subtype() == "html" else (text, False, charsets)
    return "", False, charsets


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() in ("message/delivery-status", "message/feedback-report"):
            continue
        disposition = part.get_content_disposition()
        is_body_text = part.get_content_maintype() == "text" and disposition != "attachment" and not part.get_filename()
        if is_body_text or part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            continue
        payload = part.get_payload(decode=True)
        found.append({"filename": part.get_filename() or "", "content_type": part.get_content_type(),
                      "size": len(payload) if isinstance(payload, bytes) else 0,
                      "inline": disposition == "inline"})
    return found


def _automatic(message: Message, envelope_from: str | None) -> str | None:
    """RFC 3834's rules for not answering: automatic messages, bulk mail, and the empty return path."""
    auto_submitted = str(message.get("Auto-Submitted", "")).split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in NOISY_PRECEDENCE:
        return f"precedence: {precedence}"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "empty return path"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("", "<>"):
        return "empty return path"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id"):
        if message.get(header) is not None and str(message.get(header)).strip().lower() not in ("", "no", "none"):
            return f"{header.lower()} header"
    return None


def _report_fields(message: Message, content_type: str) -> list[Message]:
    """The field blocks of a message/delivery-status or message/feedback-report part."""
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload()
            if isinstance(payload, list):
                return [p for p in payload if isinstance(p, Message)]
            return [BytesParser(policy=policy.default).parsebytes(str(payload).encode("utf-8", "replace"))]
    return []


def _address_field(value: object) -> str:
    """`rfc822; mei@example.com` -> `mei@example.com`."""
    text = str(value or "")
    return parseaddr(text.split(";", 1)[-1].strip())[1].strip().lower()


def _bounces(message: Message) -> list[Bounce]:
    found = []
    for block in _report_fields(message, "message/delivery-status"):
        recipient = _address_field(block.get("Final-Recipient") or block.get("Original-Recipient"))
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ", 1)[0]
        if not recipient or action not in ("failed", "delayed"):
            continue
        severity = "hard" if action == "failed" and status.startswith("5") else "soft"
        found.append(Bounce(recipient, severity, status, action))
    return found


def _complaint_recipient(message: Message) -> str | None:
    """Whom a spam complaint is about: the report's Original-Rcpt-To, else the original's To."""
    for block in _report_fields(message, "message/feedback-report"):
        recipient = _address_field(block.get("Original-Rcpt-To"))
        if recipient:
            return recipient
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) and inner else None
            if original is None:
                original = BytesParser(policy=policy.default).parsebytes(_text_of(part).encode("utf-8", "replace"))
            address = parseaddr(str(original.get("To", "")))[1].strip().lower()
            if address:
                return address
    return None
