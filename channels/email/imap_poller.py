"""The IMAP poller: a second way in for a shop that has only a mailbox and no MX of its own.

Each poll fetches the unseen messages with BODY.PEEK (which does not mark them seen), stores each
one, and only then flags it \\Seen: a crash between the two at worst stores a message again, which
the inbox's Message-ID key turns into nothing. A message that cannot be stored stays unseen and
comes back on the next poll.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)
FETCH_BATCH = 50

Store = Callable[[bytes, "str | None", Sequence[str]], bool]


class ImapPoller:
    def __init__(self, store: Store, *, host: str, port: int, use_ssl: bool, username: str, password: str,
                 folder: str = "INBOX", timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self._store = store
        self._host, self._port, self._ssl = host, port, use_ssl
        self._login = (username, password)
        self._folder = folder
        self._timeout = timeout
        self._ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> imaplib.IMAP4:
        if self._ssl:
            return imaplib.IMAP4_SSL(self._host, self._port, ssl_context=self._ssl_context, timeout=self._timeout)
        return imaplib.IMAP4(self._host, self._port, timeout=self._timeout)

    def poll_once(self) -> int:
        """Store every unseen message; returns how many were stored (new or duplicate)."""
        client = self._connect()
        try:
            client.login(*self._login)
            status, _ = client.select(_quote(self._folder))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot select folder {self._folder!r}")
            status, data = client.uid("SEARCH", "UNSEEN")  # no charset (imaplib skips a None argument anyway)
            uids = data[0].split() if status == "OK" and data and data[0] else []
            stored = 0
            for uid in uids[:FETCH_BATCH]:
                raw = self._fetch(client, uid)
                if raw is None:
                    continue
                try:
                    self._store(raw, None, ())
                except Exception:  # stays unseen: the next poll tries again
                    log.warning("IMAP message not stored; it stays unseen", extra={"uid": uid.decode()})
                    continue
                client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
                stored += 1
            return stored
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    @staticmethod
    def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
        status, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and re.search(rb"BODY\[\]", item[0]):
                return item[1]
        return None


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
