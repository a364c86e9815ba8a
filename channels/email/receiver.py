"""The inbound SMTP (or LMTP) receiver, on aiosmtpd: takes mail for our domains and stores it.

It is never an open relay: RCPT TO for a domain that is not ours is refused with 550 before any
data is sent. A message over the size limit is refused with 552 (and the limit is announced in
EHLO's SIZE). The message is stored before we answer 250; when it cannot be stored (the database
is down) the answer is 451, so the sending server keeps it and tries again: nothing is lost.
Storing runs in a worker thread, so one slow commit does not stall the other SMTP sessions.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Sequence
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 100

# store(raw message, envelope sender, envelope recipients) -> True if new, False if a duplicate.
Store = Callable[[bytes, str, Sequence[str]], bool]


class InboundHandler:
    def __init__(self, domains: Sequence[str], store: Store) -> None:
        self.domains = {d.lower() for d in domains}
        self.store = store

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        domain = address.rpartition("@")[2].lower().rstrip(">")
        if domain not in self.domains:
            return "550 5.7.1 Relaying denied: we accept mail only for our own domains"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or (envelope.content if isinstance(envelope.content, bytes) else b"")
        try:
            new = await asyncio.get_running_loop().run_in_executor(
                None, self.store, raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        except Exception as exc:  # the sender keeps the message and retries: nothing is lost
            log.warning("inbound mail not stored, answered 451", extra={"error": type(exc).__name__})
            return "451 4.3.0 Cannot store the message right now; please try again later"
        return "250 2.0.0 Message accepted" if new else "250 2.0.0 Message already received"


class _Controller(Controller):
    def __init__(self, *args: Any, lmtp: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lmtp = lmtp

    def factory(self) -> SMTP:
        return (LMTP if self._lmtp else SMTP)(self.handler, **self.SMTP_kwargs)


class EmailReceiver:
    """The receiver's lifecycle: start on host:port in a background thread, stop."""

    def __init__(self, store: Store, *, domains: Sequence[str], host: str, port: int, max_bytes: int,
                 tls_cert: str = "", tls_key: str = "", lmtp: bool = False) -> None:
        tls_context = None
        if tls_cert:
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(tls_cert, tls_key)
        self.host, self.port = host, port
        self._controller = _Controller(
            InboundHandler(domains, store), hostname=host, port=port, lmtp=lmtp, data_size_limit=max_bytes,
            tls_context=tls_context, require_starttls=False, enable_SMTPUTF8=True, ident="bot-receiver")

    def start(self) -> "EmailReceiver":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
