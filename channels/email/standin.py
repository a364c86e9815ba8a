"""A local SMTP server that catches what the bot sends: the sandbox's outbound mail, and the tests'.

Why it exists: a newcomer reads what the bot emailed in `var/mail/` (a Maildir any mail client
opens) without an SMTP account, and the tests hand mail to a real SMTP server over a real socket,
with STARTTLS and a login when they ask for it, exactly as a provider's submission server would.
"""

from __future__ import annotations

import mailbox
import ssl
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class _CatchingHandler:
    def __init__(self, catcher: "MailCatcher") -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self.catcher.take_fault()
        if fault:
            return fault
        self.catcher.keep(envelope.original_content or b"", envelope.mail_from or "", list(envelope.rcpt_tos),
                          tls=session.ssl is not None)
        return "250 2.0.0 Caught"


class MailCatcher:
    def __init__(self, *, maildir: Path | None = None, tls_cert: str = "", tls_key: str = "",
                 login: tuple[str, str] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        if maildir is not None:
            maildir.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(maildir), create=True) if maildir else None
        self.messages: list[dict[str, Any]] = []
        self._faults: list[str] = []
        self._lock = threading.Lock()
        self._login = login
        tls_context = None
        if tls_cert:
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(tls_cert, tls_key)
        self.host = host
        self.port = port or _free_port(host)
        self._controller = Controller(
            _CatchingHandler(self), hostname=host, port=self.port, tls_context=tls_context,
            require_starttls=bool(tls_context), authenticator=self._authenticate if login else None,
            auth_required=bool(login), auth_require_tls=True, ident="sandbox-catcher")

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self._login is not None and (
            data.login.decode(), data.password.decode()) == self._login
        return AuthResult(success=ok, handled=False)

    def start(self) -> "MailCatcher":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def fail_next(self, reply: str, times: int = 1) -> None:
        """Answer the next DATA with this reply (e.g. "451 4.3.0 try later") instead of taking it."""
        with self._lock:
            self._faults.extend([reply] * times)

    def take_fault(self) -> str | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def keep(self, raw: bytes, mail_from: str, rcpt_tos: list[str], *, tls: bool) -> None:
        with self._lock:
            self.messages.append({"raw": raw, "mail_from": mail_from, "rcpt_tos": rcpt_tos, "tls": tls})
            if self.maildir is not None:
                self.maildir.add(raw)

    def parsed(self, index: int = -1) -> EmailMessage:
        with self._lock:
            raw = self.messages[index]["raw"]
        return BytesParser(policy=policy.default).parsebytes(raw)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self._faults.clear()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
