"""Structured (JSON lines) logs. Message bodies, reply tokens, secrets and SQL parameters are never logged.

The code never passes them to a logger, and the database layer takes values out of its errors
(`models/db.py`). The formatter is the second line: it blanks extra fields whose names say they
hold such data, and drops the parameter and DETAIL lines of database errors from any text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# Extra fields that would carry what a customer wrote or a credential, whatever a caller meant.
SENSITIVE_KEYS = frozenset({"text", "body", "payload", "reply_token", "replytoken", "messages", "content", "password",
                            "token", "secret", "authorization", "cookie", "params", "parameters"})
REDACTED = "[redacted]"
# SQLAlchemy's "[parameters: ...]" line, and the DETAIL / CONTEXT lines in which PostgreSQL repeats values.
_DATABASE_VALUES = re.compile(r"\[parameters: [^\n]*|^[ \t]*(?:DETAIL|CONTEXT):[^\n]*\n?", re.MULTILINE)


def scrub(text: str) -> str:
    """Text with database parameter and DETAIL lines removed."""
    return _DATABASE_VALUES.sub(lambda m: "[parameters hidden]" if m.group(0).startswith("[") else "", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        entry.update({k: _safe_extra(k, v) for k, v in record.__dict__.items() if k not in STANDARD})
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _safe_extra(key: str, value: Any) -> Any:
    if key.lower() in SENSITIVE_KEYS:
        return REDACTED
    return scrub(value) if isinstance(value, str) else value


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on stderr (or `stream`) at `level`; chatty libraries only from WARNING up.

    SQLAlchemy's engine logs every statement at INFO and every row it reads at DEBUG: rows hold
    what customers wrote, so it stays at WARNING whatever `level` asks for."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at info, and Telegram's URLs contain the bot token; aiosmtpd's
    # "mail.log" logs every SMTP command with the addresses in it.
    for noisy in ("apscheduler", "waitress", "urllib3", "werkzeug", "alembic", "httpx", "httpcore", "telegram",
                  "mail.log", "sqlalchemy", "linebot", "psycopg", "aiosmtpd", "asyncio"):
        logging.getLogger(noisy).setLevel("WARNING")
