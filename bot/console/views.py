"""Small helpers the console's views share: the runtime, database sessions, form values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, request
from sqlalchemy.orm import Session

from bot.forms import FormErrors, int_field
from bot.runtime import Runtime

__all__ = ["FormErrors", "int_field", "runtime", "reading", "writing", "form_text", "client_ip", "page_number", "next_url"]


def runtime() -> Runtime:
    return current_app.extensions["bot"]


@contextmanager
def reading() -> Iterator[Session]:
    """A short read-only session (no write lock on SQLite)."""
    with runtime().sessions() as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """One transaction for one action: committed when the block ends, rolled back on error."""
    with runtime().sessions.begin() as session:
        yield session


def form_text(name: str, max_length: int = 5000) -> str:
    return (request.form.get(name) or "").strip()[:max_length]


def client_ip() -> str:
    return request.remote_addr or "unknown"


def page_number() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def next_url(default: str) -> str:
    """The form's `next` when it is a console path of ours (never another site), else `default`."""
    target = request.form.get("next", "")
    if target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return default
