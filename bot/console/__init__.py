"""The web console for staff, marketers and admins: server-rendered Flask + Jinja pages.

`register_console(app)` adds its blueprints and the request hooks that every console request goes
through: the signed-in user, CSRF on every unsafe method, the language, and security headers.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from bot.config import Settings
from bot.console import labels, security
from bot.console.i18n import CONSOLE_LANGUAGES, chosen_language, gettext, install
from channels import registry

CONSOLE_PREFIX = "/console"


def blueprints() -> list[Any]:
    """Every console blueprint, in one visible list."""
    from bot.console.admin_care_views import admin_care
    from bot.console.admin_coupon_views import admin_coupons
    from bot.console.admin_views import admin
    from bot.console.appointment_views import appointments
    from bot.console.auth_views import auth
    from bot.console.broadcast_views import broadcasts
    from bot.console.campaign_views import campaigns
    from bot.console.commerce_views import commerce
    from bot.console.queue_views import queue
    from bot.console.report_views import reports
    from bot.console.segment_views import segments
    from bot.console.staff_views import staff
    from bot.console.task_views import tasks
    from bot.console.ticket_views import tickets

    return [auth, queue, staff, commerce, tickets, appointments, segments, broadcasts, campaigns, reports, admin, admin_care, admin_coupons, tasks]


def persistent_secret_key(settings: Settings) -> str:
    """The configured secret, or (outside production) one kept in the data folder, so sessions
    survive a restart and every process of one installation signs cookies alike."""
    if settings.web.secret_key:
        return settings.web.secret_key
    path = settings.data_path / "console_secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def register_console(app: Flask, settings: Settings) -> None:
    secure = settings.production or settings.web.public_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console.session_max_hours),
    )
    app.jinja_env.autoescape = True  # every template, whatever its extension
    install(app)  # Flask-Babel: each request's locale from the language switch
    names = set()
    for blueprint in blueprints():
        app.register_blueprint(blueprint, url_prefix=CONSOLE_PREFIX)
        names.add(blueprint.name)
    zone = ZoneInfo(settings.app.timezone)

    @app.before_request
    def _console_request() -> None:
        if request.blueprint in names:
            security.load_user()
            security.check_csrf()

    app.after_request(security.add_security_headers)

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        if request.blueprint not in names and not request.path.startswith(CONSOLE_PREFIX):
            return {}
        return {"_": gettext, "csrf_token": security.csrf_token, "can": security.can, "user": g.get("user"),
                "lang": current_language(), "languages": CONSOLE_LANGUAGES, "shop_name": settings.shop.name,
                "status_labels": status_labels, **labels.TEMPLATE_HELPERS}

    @app.template_filter("local")
    def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return value.astimezone(zone).strftime(fmt) if value else ""

    @app.template_filter("iso")
    def _iso(value: datetime | None) -> str:
        return value.isoformat() if value else ""


# Words the page's script shows (statuses, priorities, stages), translated once per page.
SCRIPT_WORDS = ("pending", "sent", "failed", "paused", "cancelled", "withheld", "scheduled", "recurring", "sending", "planning", "done",
                "urgent", "high", "normal", "low", "bot", "(taken back by the customer)", "stranger", "visitor", "lead",
                "customer", "first_time_buyer", "repeat", "advocate", "image", "sticker", "follow", "unfollow", "postback", "location", "attachment",
                *registry.names())


def status_labels() -> dict[str, str]:
    return {word: gettext(word) for word in SCRIPT_WORDS}


def current_language() -> str:
    return chosen_language()


# What an error means, for a reader of the console's language when the error's own words are a
# developer's English (werkzeug's defaults, `abort(404, "no such customer")`).
ERROR_SENTENCES = {
    400: "The request could not be understood; go back, reload the page and try again.",
    403: "Your role may not open this page.",
    404: "There is no such page, or what it showed no longer exists.",
    405: "This cannot be done from here.",
    409: "This cannot be done now; reload the page to see the current state.",
    413: "What was sent is too large.",
    429: "Too many attempts; wait a moment and try again.",
    500: "Something went wrong on our side. Try again; if it keeps happening, tell the administrator.",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


# Statuses whose message is about what the user just sent (a stale form, the last admin): worth
# showing as a detail even when it is not translated. Others (403, 404, 500) are a developer's note.
DETAILED_STATUSES = frozenset({400, 409, 413, 429})


def error_description(exc: HTTPException) -> tuple[str, str | None]:
    """(sentence, detail): the error's own words when the reader can read them (English, or a
    message already translated); else the sentence of its status code in the reader's language,
    with the untranslated words as a detail only where they concern the user's own request."""
    description = exc.description or ""
    if current_language() == "en" or _CJK.search(description):
        return description, None
    translated = gettext(description)
    if translated != description:
        return translated, None
    user = g.get("user")
    if exc.code == 403 and user is not None:
        return gettext("Your role ({role}) may not open this page.", role=gettext(user.role)), None
    sentence = gettext(ERROR_SENTENCES.get(exc.code or 500, ERROR_SENTENCES[500]))
    return sentence, description if exc.code in DETAILED_STATUSES and description else None


def console_error_page(exc: HTTPException) -> Any | None:
    """An HTML error page for console pages (JSON endpoints and webhooks keep JSON errors), in the
    console's language, for every status including 500."""
    if not request.path.startswith(CONSOLE_PREFIX) or security.wants_json():
        return None
    if "user" not in g:
        try:
            security.load_user()
        except Exception:  # the database may be what failed: the page still renders, signed out
            g.user = None
    description, detail = error_description(exc)
    return render_template("console/error.html", code=exc.code, description=description, detail=detail), exc.code


STATIC_DIR = Path(__file__).resolve().parent / "static"
