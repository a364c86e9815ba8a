"""The inbound email inputs of one process: the SMTP receiver, and the IMAP poller if configured.

`python -m bot email-receiver` runs them in the scaled mode; `serve` runs them in the embedded
mode. Any number of receivers may run (each stores through the inbox's unique Message-ID), but
only one process polls the mailbox at a time: it holds the named lease `email:imap`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.email_intake import EmailIntake
from bot.leasing import acquire_named, release_named
from channels.email.imap_poller import ImapPoller
from channels.email.receiver import EmailReceiver

log = logging.getLogger(__name__)
IMAP_LEASE = "email:imap"


@dataclass
class EmailInputs:
    receiver: EmailReceiver | None
    poller_thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self._stop.set()
        if self.receiver is not None:
            self.receiver.stop()
        if self.poller_thread is not None:
            self.poller_thread.join(10)


def start_email_inputs(settings: Settings, sessions: sessionmaker[Session], owner: str, *,
                       receiver: bool = True, lmtp: bool = False) -> EmailInputs:
    email = settings.email
    intake = EmailIntake.from_settings(settings, sessions)
    started = None
    if receiver:
        started = EmailReceiver(intake.store, domains=email.inbound_domains, host=email.receiver_host,
                                port=email.receiver_port, max_bytes=email.max_message_bytes,
                                tls_cert=email.receiver_tls_cert, tls_key=email.receiver_tls_key, lmtp=lmtp).start()
    inputs = EmailInputs(started)
    if email.imap_host:
        poller = ImapPoller(intake.store, host=email.imap_host, port=email.imap_port, use_ssl=email.imap_ssl,
                            username=email.imap_username, password=email.imap_password, folder=email.imap_folder,
                            timeout=email.timeout)
        inputs.poller_thread = threading.Thread(target=_poll_loop, name="imap-poller", daemon=True,
                                                args=(poller, sessions, owner, email.imap_poll_seconds, inputs._stop))
        inputs.poller_thread.start()
    return inputs


def _poll_loop(poller: ImapPoller, sessions: sessionmaker[Session], owner: str, interval: float,
               stop: threading.Event) -> None:
    ttl = max(interval * 3, 30)
    while not stop.is_set():
        try:
            if acquire_named(sessions, IMAP_LEASE, owner, ttl_seconds=ttl):
                stored = poller.poll_once()
                if stored:
                    log.info("IMAP poll stored messages", extra={"count": stored})
        except Exception as exc:  # the mailbox or the database is away: try again next round
            log.warning("IMAP poll failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        stop.wait(interval)
    try:
        release_named(sessions, IMAP_LEASE, owner)
    except Exception:  # shutting down: the lease expires by itself
        pass
