"""Who may do what, the signed-in user, server-side sessions and their expiry, CSRF, and the security headers.

Why one table of permissions: every page and action names the capability it needs, and what each
role may do is read (and tested) in one place instead of being scattered over the views.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, g, jsonify, redirect, request, session, url_for
from sqlalchemy.orm import Session

from bot.console import sessions as server_sessions
from models import ConsoleUser

PERMISSIONS: dict[str, frozenset[str]] = {
    "queue": frozenset({"staff", "admin"}),
    "conversations": frozenset({"staff", "admin"}),  # read the chat, reply, notes, take over, hand back
    "customers.read": frozenset({"staff", "marketer", "admin"}),
    "purchases": frozenset({"staff", "admin"}),  # record a purchase, redeem a coupon, adjust points
    "tickets": frozenset({"staff", "admin"}),  # claim, assign (to anyone who may work tickets), resolve
    "appointments": frozenset({"staff", "admin"}),  # the calendar, mark arrived / no-show
    "privacy": frozenset({"staff", "admin"}),  # confirm (erase) or reject a customer's deletion request
    "segments": frozenset({"marketer", "admin"}),
    "tags": frozenset({"staff", "marketer", "admin"}),
    "rich_menus": frozenset({"marketer", "admin"}),  # LINE rich menus: edit, publish  # tag and untag customers, rename and colour tags
    "broadcasts": frozenset({"marketer", "admin"}),
    "campaigns": frozenset({"marketer", "admin"}),
    "reports": frozenset({"marketer", "admin"}),
    "journeys": frozenset({"marketer", "admin"}),  # build, switch on, pause; staff see a customer's journeys on their page
    "admin": frozenset({"admin"}),
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Customers' LINE profile pictures load straight from LINE's profile host (and no other): stored
# only when they start with it (bot.crm.profiles), so the console fetches nothing on their behalf.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://profile.line-scdn.net; "
       "object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def can(capability: str, user: ConsoleUser | None = None) -> bool:
    user = user if user is not None else g.get("user")
    return user is not None and user.role in PERMISSIONS[capability]


def allow(capability: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view: signed in (else the login page, or 401 for JSON) and allowed (else 403)."""
    if capability not in PERMISSIONS and capability != "signed_in":
        raise ValueError(f"unknown capability {capability!r}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                if wants_json():
                    return jsonify(error="sign in first"), 401
                return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
            if capability != "signed_in" and not can(capability):
                abort(403, f"your role ({g.user.role}) may not open this page")
            return view(*args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]  # read by the permission test
        return wrapped

    return decorate


def wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def start_session(db: Session, user: ConsoleUser) -> None:
    """A fresh session on sign-in (new server-side id, new CSRF token), so neither an id nor a token
    planted before it is of any use."""
    language = session.get("lang")
    session.clear()
    now = int(time.time())
    settings = current_app.extensions["bot"].settings.console
    sid = server_sessions.open_session(db, user.id, timedelta(hours=settings.session_max_hours))
    session.update(uid=user.id, sid=sid, login_at=now, seen_at=now, csrf=secrets.token_urlsafe(32))
    if language:
        session["lang"] = language
    session.permanent = True


def end_session(db: Session) -> None:
    """Sign out: the server forgets the session, so a copy of the cookie opens nothing afterwards."""
    sid = session.get("sid")
    if isinstance(sid, str):
        server_sessions.end_session(db, sid)
    _forget()


def current_session_id() -> str | None:
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def _forget() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def load_user() -> None:
    """Find the signed-in user; the session must still exist on the server (not signed out, no
    password change or deactivation since) and be neither idle too long nor too old."""
    g.user = None
    uid, sid = session.get("uid"), current_session_id()
    if uid is None and sid is None:
        return
    runtime = current_app.extensions["bot"]
    settings = runtime.settings.console
    now = int(time.time())
    expired = (sid is None
               or now - int(session.get("seen_at", 0)) > settings.session_idle_minutes * 60
               or now - int(session.get("login_at", 0)) > settings.session_max_hours * 3600)
    user = None
    if not expired:
        assert sid is not None  # not expired implies a session id
        with runtime.sessions() as db:
            user = server_sessions.session_user(db, sid)
    if user is None or user.id != uid:
        _forget()
        g.session_expired = True
        return
    assert sid is not None  # a user was found, so the session was not expired
    if now - int(session.get("seen_at", 0)) > 60:  # rewrite the cookie (and the row) at most once a minute
        session["seen_at"] = now
        with runtime.sessions.begin() as db:
            server_sessions.touch(db, sid)
    g.user = user


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "the form's security token is missing or out of date; reload the page and try again")


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/console") and not request.path.startswith("/console/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response
