"""Sign in, sign out, change password, switch language, and the console's front door."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from bot.console import security
from bot.console.i18n import CONSOLE_LANGUAGES, ngettext
from bot.console.i18n import gettext as _
from bot.console.passwords import verify_password
from bot.console.users import UserError, authenticate, set_password
from bot.console.views import client_ip, form_text, runtime, writing
from models import ConsoleUser

auth = Blueprint("auth", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
FAILED_LOGIN_DELAY = 0.5  # seconds added to every failed attempt: slows guessing, costs a person little
LANDING = {"staff": "queue.page", "marketer": "segments.index", "admin": "queue.page"}


@auth.get("/")
@security.allow("signed_in")
def index() -> Any:
    return redirect(url_for(LANDING[g.user.role]))


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        security.csrf_token()
        expired = g.get("session_expired", False)
        return render_template("console/login.html", expired=expired, next=_safe_next(request.args.get("next")))
    email, password = form_text("email", 320), request.form.get("password") or ""
    result = authenticate(runtime().sessions, email, password, client_ip(), runtime().settings.console)
    if result.ok:
        assert result.user is not None  # a successful login names its user
        with writing() as db:
            security.start_session(db, result.user)
        return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))
    time.sleep(FAILED_LOGIN_DELAY)
    if result.locked_for is not None:
        minutes = max(int(result.locked_for.total_seconds() // 60) + 1, 1)
        message = ngettext("Too many wrong passwords. Try again in {minutes} minute.",
                           "Too many wrong passwords. Try again in {minutes} minutes.", minutes, minutes=minutes)
        return render_template("console/login.html", error=message, email=email), 429
    return render_template("console/login.html", error=_("Wrong email or password."), email=email), 401


@auth.post("/logout")
def logout() -> Any:
    """Ends the session on the server too: a copy of the cookie taken before opens nothing after."""
    with writing() as db:
        security.end_session(db)
    return redirect(url_for("auth.login"))


@auth.route("/account", methods=["GET", "POST"])
@security.allow("signed_in")
def account() -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        current, new, again = (request.form.get(k) or "" for k in ("current", "new", "again"))
        with writing() as db:
            user = db.get(ConsoleUser, g.user.id)
            assert user is not None  # the signed-in user, loaded for this request
            if not verify_password(current, user.password_hash):
                errors["current"] = _("Wrong password.")
            elif new != again:
                errors["again"] = _("The two new passwords differ.")
            else:
                try:
                    set_password(user, new)
                except UserError as exc:
                    errors["new"] = _("Password must have at least 10 characters.") if "least" in str(exc) else str(exc)
            if not errors:
                db.flush()
                security.start_session(db, user)  # set_password ended every session; this browser gets a new one
                flash(_("Password changed."))
                return redirect(url_for("auth.account"))
    return render_template("console/account.html", errors=errors), 400 if errors else 200


@auth.post("/language")
def language() -> Any:
    choice = request.form.get("lang", "")
    if choice not in CONSOLE_LANGUAGES:
        abort(400, f"unknown language {choice!r}")
    session["lang"] = choice
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console: never an open redirect to another site."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
