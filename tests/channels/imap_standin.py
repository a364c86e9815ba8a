"""A small IMAP4rev1 server for the poller's tests: real sockets, IMAP's wire format, the commands
the poller uses (CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE
+FLAGS (\\Seen), LOGOUT) and a mailbox whose \\Seen flags the tests can read."""

from __future__ import annotations

import re
import shlex
import socketserver
import threading
from typing import Any


class ImapStandin:
    def __init__(self, username: str, password: str) -> None:
        self.login = (username, password)
        self.messages: list[dict[str, Any]] = []  # {"uid", "raw", "seen"}
        self.lock = threading.Lock()
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                standin._session(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid = len(self.messages) + 1
            self.messages.append({"uid": uid, "raw": raw, "seen": False})
            return uid

    def start(self) -> "ImapStandin":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _session(self, rfile: Any, wfile: Any) -> None:
        def send(line: str | bytes) -> None:
            wfile.write(line if isinstance(line, bytes) else line.encode())
            wfile.flush()

        send("* OK [CAPABILITY IMAP4rev1] stand-in ready\r\n")
        authenticated = False
        while True:
            line = rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                send(f"* CAPABILITY IMAP4rev1\r\n{tag} OK CAPABILITY completed\r\n")
            elif command == "LOGIN":
                authenticated = tuple(shlex.split(args)) == self.login
                send(f"{tag} OK LOGIN completed\r\n" if authenticated else f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif command == "LOGOUT":
                send(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif not authenticated:
                send(f"{tag} BAD not authenticated\r\n")
            elif command == "SELECT":
                with self.lock:
                    count = len(self.messages)
                send(f"* {count} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n{tag} OK [READ-WRITE] SELECT completed\r\n")
            elif command == "UID":
                self._uid(tag, args, send)
            else:
                send(f"{tag} BAD unknown command\r\n")

    def _uid(self, tag: str, args: str, send: Any) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        with self.lock:
            messages = {m["uid"]: m for m in self.messages}
        if sub == "SEARCH":
            unseen = " ".join(str(uid) for uid, m in messages.items() if not m["seen"])
            send(f"* SEARCH {unseen}\r\n{tag} OK SEARCH completed\r\n".replace("SEARCH \r\n", "SEARCH\r\n"))
        elif sub == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            raw = messages[uid]["raw"]
            send(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n" + f"{tag} OK FETCH completed\r\n".encode())
        elif sub == "STORE":
            uid = int(rest.split(" ", 1)[0])
            if re.search(r"\+FLAGS.*\\Seen", rest, re.I):
                with self.lock:
                    messages[uid]["seen"] = True
            send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))\r\n{tag} OK STORE completed\r\n")
        else:
            send(f"{tag} BAD unknown UID command\r\n")
