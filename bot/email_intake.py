"""Inbound email into the inbox: parse, find the conversation, normalise, store (deduplicated by
Message-ID). Both inputs use it: the SMTP receiver and the IMAP poller.

A reply is matched to its conversation by In-Reply-To, then References (our Message-IDs are the
outbox rows' idempotency keys), then the signed token in the reply-to address we gave it; a mail
that matches none starts (or continues) the conversation with its sender's address. Automatic
mail is stored as history but never answered; bounces and spam complaints become the events the
handlers turn into reachability and consent, but only when they prove they are about a message
we sent to that address (our Message-ID in an outbox row for it, or the return path we signed for
it). Anyone can write a report naming any address: an unproven one is kept as history
(an ignored `unknown` event) and changes nothing.

Every event passes through bot/safe_text.py as the last step before it is stored, so no NUL or
lone surrogate reaches PostgreSQL, whatever bytes the mail came in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Result, select
from sqlalchemy.orm import Session, sessionmaker

from bot import pipeline
from bot.config import Settings
from bot.events import Inbound
from bot.safe_text import clean_json
from channels.email.parse import ParsedEmail, parse_email
from channels.email.tokens import read_thread_token, return_path_is_for, signing_secret, thread_token_in
from models import ChannelIdentity, Conversation, OutboxMessage

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
REPLY_HANDLE_LIMIT = 200  # the outbox's reply_token column
ADDRESS_LIMIT = 200  # channel_identities.platform_user_id and conversations.address
ADDRESS_RE = re.compile(r"^[^@\s<>()\[\]\\,;:\"\x00-\x1f]{1,64}@[^@\s<>()\[\]\\,;:\"\x00-\x1f]{1,255}$")


@dataclass(frozen=True)
class EmailIntake:
    sessions: sessionmaker[Session]
    domains: tuple[str, ...]
    own_domains: tuple[str, ...]
    reply_local_part: str
    secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings, sessions: sessionmaker[Session]) -> "EmailIntake":
        email = settings.email
        domains = tuple(d.lower() for d in email.inbound_domains)
        own = tuple(dict.fromkeys((*domains, email.from_address.rpartition("@")[2].lower())))
        return cls(sessions, domains, own, email.reply_local_part, signing_secret(settings.web.secret_key))

    def store(self, raw: bytes, mail_from: str | None, rcpt_tos: Sequence[str]) -> bool:
        """Store one message; True if it was new. Raises when the database cannot take it (-> 451)."""
        parsed = _with_usable_sender(parse_email(raw, envelope_from=mail_from, envelope_to=tuple(rcpt_tos)), mail_from)
        with self.sessions.begin() as session:
            events = [Inbound.from_json(clean_json(e.to_json())) for e in self.events(session, parsed)]
            return pipeline.accept(session, events) > 0

    def events(self, session: Session, parsed: ParsedEmail) -> list[Inbound]:
        base_id = parsed.message_id[:180]
        if parsed.bounces:
            events = []
            for b in parsed.bounces:
                details = {"severity": b.severity, "status": b.status, "action": b.action}
                proof = self._proof(session, parsed, b.recipient)
                kind = "bounce" if proof else "unknown"
                events.append(_report_event(kind, f"{base_id}:{b.recipient}"[:200], b.recipient[:ADDRESS_LIMIT], parsed,
                                            {**details, **_verdict("delivery-status", proof)}))
            return events
        if parsed.complaint_for:
            proof = self._proof(session, parsed, parsed.complaint_for)
            if proof:
                return [_report_event("opt_out", base_id, parsed.complaint_for, parsed,
                                      {"source": "spam_complaint", "silent": True, "proof": proof}, user=True)]
            return [_report_event("unknown", base_id, parsed.complaint_for[:ADDRESS_LIMIT], parsed,
                                  _verdict("feedback-report", None))]
        if parsed.report or not parsed.from_address:
            return [_report_event("unknown", base_id, parsed.from_address or "unknown", parsed, {"type": f"report/{parsed.report}"})]
        address, how = self._thread(session, parsed)
        first_contact = parsed.automatic is None and session.scalar(select(ChannelIdentity.id).where(
            ChannelIdentity.channel == "email", ChannelIdentity.platform_user_id == parsed.from_address)) is None
        kind = "text" if parsed.text or parsed.bare_subject or not parsed.attachments else "attachment"
        message = Inbound(
            channel="email", kind=kind, event_id=base_id, occurred_at=parsed.date, chat_id=address,
            user_id=parsed.from_address, text=parsed.text or parsed.bare_subject, message_id=parsed.message_id[:100],
            reply_handle=_reply_handle(parsed), standby=parsed.automatic is not None,
            payload={"subject": parsed.subject[:300], "from_name": parsed.from_name[:200], "thread": how,
                     "attachments": list(parsed.attachments), "from_html": parsed.from_html,
                     "automatic": parsed.automatic, "charsets": list(parsed.charsets)},
        )
        if not first_contact:
            return [message]
        # A first email is also a first contact: the welcome (and its offer) before the answer.
        welcome = Inbound(channel="email", kind="follow", event_id=f"{base_id}:first-contact"[:200],
                          occurred_at=parsed.date, chat_id=address, user_id=parsed.from_address,
                          payload={"unblocked": False}, reply_handle=message.reply_handle)
        return [welcome, message]

    def _proof(self, session: Session, parsed: ParsedEmail, address: str) -> str | None:
        """How a report shows it is about a message we sent to `address`, or None: the return path
        we signed for that address, or one of our Message-IDs whose outbox row went to it."""
        if any(return_path_is_for(self.secret, path, address, self.own_domains) for path in parsed.return_paths):
            return "return-path"
        keys = []
        for message_id in parsed.original_ids:
            key, _, domain = message_id.rpartition("@")
            if domain.lower() in self.own_domains and UUID_RE.match(key):
                keys.append(key)
        if not keys:
            return None
        rows: Result[str, list[Any] | None] = session.execute(select(OutboxMessage.address, OutboxMessage.recipients).where(
            OutboxMessage.idempotency_key.in_(keys[:20]), OutboxMessage.channel == "email"))
        for row_address, recipients in rows:
            sent_to = str(recipients[0]) if recipients else row_address
            if sent_to.lower() == address.lower():
                return "message-id"
        return None

    def _thread(self, session: Session, parsed: ParsedEmail) -> tuple[str, str]:
        """The conversation address this mail belongs to, and how we knew."""
        for how, ids in (("in-reply-to", [parsed.in_reply_to] if parsed.in_reply_to else []),
                         ("references", list(reversed(parsed.references)))):
            for message_id in ids:
                key, _, domain = message_id.rpartition("@")
                if domain.lower() in self.own_domains and UUID_RE.match(key):
                    conversation_id = session.scalar(select(OutboxMessage.conversation_id).where(
                        OutboxMessage.idempotency_key == key, OutboxMessage.channel == "email"))
                    address = self._address(session, conversation_id)
                    if address:
                        return address, how
        token = thread_token_in(parsed.recipients, self.reply_local_part, self.domains)
        conversation_id = read_thread_token(self.secret, token) if token else None
        address = self._address(session, conversation_id)
        if address:
            return address, "reply-token"
        return parsed.from_address, "new"

    @staticmethod
    def _address(session: Session, conversation_id: int | None) -> str | None:
        if conversation_id is None:
            return None
        return session.scalar(select(Conversation.address).where(Conversation.id == conversation_id,
                                                                 Conversation.channel == "email"))


def _usable(address: str) -> bool:
    return len(address) <= ADDRESS_LIMIT and ADDRESS_RE.match(address) is not None


def _with_usable_sender(parsed: ParsedEmail, mail_from: str | None) -> ParsedEmail:
    """A From address we cannot store or answer (300 characters, no `@`, spaces) is replaced by
    the envelope sender when that one is usable; with neither, the mail is kept as history."""
    if not parsed.from_address or _usable(parsed.from_address):
        return parsed
    envelope = (mail_from or "").strip().strip("<>").lower()  # the IMAP poller has no envelope
    return replace(parsed, from_address=envelope if _usable(envelope) else "")


def _verdict(report: str, proof: str | None) -> dict:
    """The payload that says whether a report was acted on, and why (for the history)."""
    if proof:
        return {"proof": proof}
    return {"type": f"report/{report}", "unverified": True,
            "reason": "not about a message we sent to this address"}


def _reply_handle(parsed: ParsedEmail) -> str | None:
    """`<Message-ID>\\n<subject>` for our reply's In-Reply-To and "Re:" subject (the channel reads it)."""
    if parsed.automatic is not None or parsed.message_id.startswith("sha256:") or len(parsed.message_id) > 150:
        return None
    handle = f"<{parsed.message_id}>\n{parsed.bare_subject}"
    return handle[:REPLY_HANDLE_LIMIT]


def _report_event(kind: str, event_id: str, address: str, parsed: ParsedEmail, payload: dict, *, user: bool = False) -> Inbound:
    """A report from a mail system about one of our addresses: never answered, never a new customer
    (except a complaint, which records the opt-out against the address)."""
    return Inbound(channel="email", kind=kind, event_id=event_id, occurred_at=parsed.date or datetime.now(UTC),
                   chat_id=address, user_id=address if user else None, payload={**payload, "subject": parsed.subject[:300]})
