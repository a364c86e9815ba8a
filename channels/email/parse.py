"""One raw email (RFC 5322 bytes) read into what the bot needs: who, what, which thread, and whether
it is a person, an automatic message, a bounce or a spam complaint.

Parsed with the standard library's `email` package and `policy.default`. Nothing here raises on a
bad message: a mail system may send anything, and a message we cannot read well is still stored
with what we could read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from bot.safe_text import clean_json, clean_text, has_unstorable
from channels.email.text import decode_bytes, decode_words, header_text, html_to_text, strip_quoted

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
    # For reports: the Message-IDs of the message reported on, and the addresses it says our
    # message came from. A report changes an address's state only if these show it is about a
    # message we sent to that address (see bot/email_intake.py).
    original_ids: tuple[str, ...] = ()
    return_paths: tuple[str, ...] = ()

    @property
    def bare_subject(self) -> str:
        return SUBJECT_PREFIX_RE.sub("", self.subject).strip()


def parse_email(raw: bytes, envelope_from: str | None = None, envelope_to: tuple[str, ...] = ()) -> ParsedEmail:
    """Everything the bot reads from one message, as storable text (no NUL, no lone surrogate:
    see bot/safe_text.py), whatever bytes it came in."""
    return _storable(_parse(raw, envelope_from, envelope_to))


def _storable(parsed: ParsedEmail) -> ParsedEmail:
    changes: dict[str, Any] = {}
    for name, value in vars(parsed).items():
        if isinstance(value, str) and has_unstorable(value):
            changes[name] = clean_text(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], str):
            changes[name] = tuple(clean_text(v) for v in value)
    changes["attachments"] = tuple(clean_json(list(parsed.attachments)))
    changes["bounces"] = tuple(Bounce(*(clean_text(v) for v in (b.recipient, b.severity, b.status, b.action)))
                               for b in parsed.bounces)
    return replace(parsed, **changes)


def _parse(raw: bytes, envelope_from: str | None, envelope_to: tuple[str, ...]) -> ParsedEmail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    hints = _declared_charsets(message)
    headers = _Headers(message, hints)
    from_name, from_address = parseaddr(headers.first("from"))
    message_id = MESSAGE_ID_RE.findall(headers.first("message-id"))
    in_reply_to = MESSAGE_ID_RE.findall(headers.first("in-reply-to"))
    report_type = message.get_param("report-type", header="content-type") if message.get_content_type() == "multipart/report" else None
    text, from_html = _body_text(message, hints)
    recipients = tuple(a.lower() for a in envelope_to) + tuple(
        address.lower() for _, address in getaddresses(headers.all("to", "cc", "delivered-to")) if address)
    original = _original_headers(message) if report_type else []
    return ParsedEmail(
        message_id=message_id[0] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest(),
        from_address=from_address.strip().lower(),
        from_name=decode_words(from_name),
        recipients=tuple(dict.fromkeys(recipients)),
        subject=decode_words(headers.first("subject")),
        date=_date(headers.first("date")),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(MESSAGE_ID_RE.findall(headers.first("references"))),
        text=strip_quoted(text),
        from_html=from_html,
        attachments=tuple(_attachments(message)),
        automatic=_automatic(headers, envelope_from),
        bounces=tuple(_bounces(message)) if report_type == "delivery-status" else (),
        complaint_for=_complaint_recipient(message, original) if report_type == "feedback-report" else None,
        report=str(report_type) if report_type else None,
        charsets=hints,
        original_ids=tuple(dict.fromkeys(
            [i for o in original for i in MESSAGE_ID_RE.findall(str(o.get("Message-ID", "")))]
            + ([in_reply_to[0]] if in_reply_to and report_type else [])
            + (list(MESSAGE_ID_RE.findall(headers.first("references"))) if report_type else []))),
        return_paths=tuple(dict.fromkeys(_return_paths(message, original, envelope_to, headers) if report_type else ())),
    )


class _Headers:
    """The message's headers as text: unfolded, raw 8-bit bytes decoded (RFC 6532 UTF-8, or the
    code page of an old client; see `header_text`), RFC 2047 words still encoded.

    Read from the raw header lines rather than through `policy.default`'s header objects, which
    keep undecodable bytes as lone surrogates and can raise on malformed structured headers."""

    def __init__(self, message: Message, hints: tuple[str, ...]) -> None:
        self._items = [(name.lower(), header_text(str(value), hints)) for name, value in message.raw_items()]

    def first(self, name: str) -> str:
        return next((value for key, value in self._items if key == name), "")

    def all(self, *names: str) -> list[str]:
        return [value for key, value in self._items if key in names]

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self._items)


def _declared_charsets(message: Message) -> tuple[str, ...]:
    """The charsets the message's parts declare, in order: the hint for its raw 8-bit headers."""
    found: list[str] = []
    for part in message.walk():
        try:
            charset = part.get_content_charset()
        except (LookupError, ValueError, TypeError):
            continue
        if charset and charset.isascii():
            found.append(charset.lower())
    return tuple(dict.fromkeys(found))


def _date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return datetime.now(UTC)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text_of(part: Message, hints: tuple[str, ...] = ()) -> str:
    payload = part.get_payload(decode=True)  # undoes quoted-printable and base64
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    try:
        charset = part.get_content_charset()
    except (LookupError, ValueError, TypeError):
        charset = None
    return decode_bytes(payload, charset, hints)


def _body_text(message: EmailMessage, hints: tuple[str, ...]) -> tuple[str, bool]:
    """The text/plain body, else the HTML body as text; reports use their human-readable part."""
    try:
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            return _text_of(body, hints), False
        body = message.get_body(preferencelist=("html",))
        if body is not None:
            return html_to_text(_text_of(body, hints)), True
    except (KeyError, LookupError, ValueError):
        pass
    for part in message.walk():  # a malformed structure: the first text part we can find
        if part.get_content_maintype() == "text":
            text = _text_of(part, hints)
            return (html_to_text(text), True) if part.get_content_subtype() == "html" else (text, False)
    return "", False


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


def _automatic(headers: _Headers, envelope_from: str | None) -> str | None:
    """RFC 3834's rules for not answering: automatic messages, bulk mail, and the empty return path."""
    auto_submitted = headers.first("auto-submitted").split(";", 1)[0].strip().lower()[:40]
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted}"
    precedence = headers.first("precedence").strip().lower()
    if precedence in NOISY_PRECEDENCE:
        return f"precedence: {precedence}"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "empty return path"
    if headers.has("return-path") and headers.first("return-path").strip() in ("", "<>"):
        return "empty return path"
    for header in ("x-autoreply", "x-autorespond", "x-auto-response-suppress", "list-id"):
        if headers.has(header) and headers.first(header).strip().lower() not in ("", "no", "none"):
            return f"{header} header"
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


def _first(message: Message, name: str) -> str:
    """One header of an embedded message, as text (see `_Headers`)."""
    return next((header_text(str(v)) for k, v in message.raw_items() if k.lower() == name), "")


def _original_headers(message: Message) -> list[Message]:
    """The headers of the message a report is about (its message/rfc822 or text/rfc822-headers part)."""
    found = []
    for part in message.walk():
        if part.get_content_type() not in ("message/rfc822", "text/rfc822-headers"):
            continue
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            found.append(inner[0])
        else:
            found.append(BytesParser(policy=policy.compat32).parsebytes(
                _text_of(part).encode("utf-8", "replace"), headersonly=True))
    return found


def _return_paths(message: Message, original: list[Message], envelope_to: tuple[str, ...],
                  headers: _Headers) -> list[str]:
    """Where a report says our message came from: the address it was sent to (our return path:
    the envelope recipient, To, Delivered-To), an ARF's Original-Mail-From, the original's Return-Path."""
    found = [a.lower() for a in envelope_to]
    found += [a.lower() for _, a in getaddresses(headers.all("to", "delivered-to")) if a]
    for block in _report_fields(message, "message/feedback-report"):
        found.append(_address_field(block.get("Original-Mail-From")))
    found += [parseaddr(_first(o, "return-path"))[1].lower() for o in original]
    return [a for a in found if a]


def _complaint_recipient(message: Message, original: list[Message]) -> str | None:
    """Whom a spam complaint is about: the report's Original-Rcpt-To, else the original's To."""
    for block in _report_fields(message, "message/feedback-report"):
        recipient = _address_field(block.get("Original-Rcpt-To"))
        if recipient:
            return recipient
    for headers in original:
        address = parseaddr(_first(headers, "to"))[1].strip().lower()
        if address:
            return address
    return None
