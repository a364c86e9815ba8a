"""Small helpers the console's views share: the runtime, database sessions, form values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask import abort, current_app, request
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


class CodedRowForm(Protocol):
    """A form module for rows named by a code that never changes (services, coupon templates)."""

    def check_code(self, session: Session, text: str, errors: FormErrors) -> str: ...

    def save(self, session: Session, row: Any, code: str, values: Any) -> Any: ...


def save_coded_row(model: Any, row_id: int | None, form: CodedRowForm, values: Any, errors: FormErrors, what: str) -> str:
    """Add (row_id None) or edit a coded row from the posted form, in one transaction: a new row's
    code is checked, an existing row keeps its code, nothing is saved while `errors` has any (the
    caller shows them), an unknown id is a 404. Returns the code."""
    with writing() as db:
        row = db.get(model, row_id) if row_id else None
        if row_id and row is None:
            abort(404, f"no such {what}")
        code = row.code if row else form.check_code(db, request.form.get("code", ""), errors)
        if values is not None and not errors:
            form.save(db, row, code, values)
    return code


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
