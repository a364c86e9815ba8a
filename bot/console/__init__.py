"""The web console for staff, marketers and admins: server-rendered Flask + Jinja pages.

`register_console(app)` adds its blueprints and the request hooks that every console request goes
through: the signed-in user, CSRF on every unsafe method, the language, and security headers.
What the pages share (the URL prefix, the reader's language, the error page) is in
`bot.console.base`, so that the views never import this package back.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, g, request

from bot.config import Settings
from bot.console import labels, security
from bot.console.base import CONSOLE_PREFIX, current_language, status_labels
from bot.console.i18n import CONSOLE_LANGUAGES, gettext, install, ngettext, reader_locale
from bot.i18n.formats import DATE_TIME, amount_figure, local_datetime


def blueprints() -> list[Any]:
    """Every console blueprint, in one visible list."""
    from bot.console.admin_care_views import admin_care
    from bot.console.admin_coupon_views import admin_coupons
    from bot.console.admin_reward_views import admin_rewards
    from bot.console.admin_views import admin
    from bot.console.appointment_views import appointments
    from bot.console.audience_views import audiences
    from bot.console.auth_views import auth
    from bot.console.broadcast_views import broadcasts
    from bot.console.campaign_views import campaigns
    from bot.console.card_preview_views import cards
    from bot.console.commerce_views import commerce
    from bot.console.export_views import exports
    from bot.console.import_views import imports
    from bot.console.journey_views import journeys
    from bot.console.product_views import products
    from bot.console.queue_views import queue
    from bot.console.report_views import reports
    from bot.console.rich_menu_views import menus
    from bot.console.segment_views import segments
    from bot.console.staff_views import staff
    from bot.console.tag_views import tag_pages
    from bot.console.task_views import tasks
    from bot.console.ticket_views import tickets
    from bot.console.value_views import value

    return [auth, queue, staff, commerce, tickets, appointments, segments, broadcasts, campaigns, reports, admin, admin_care, admin_coupons, tasks,
            products, imports, exports, audiences, cards, tag_pages, admin_rewards, menus, value, journeys]


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
        return {"_": gettext, "ngettext": ngettext, "csrf_token": security.csrf_token, "can": security.can, "user": g.get("user"),
                "lang": current_language(), "languages": CONSOLE_LANGUAGES, "shop_name": settings.shop.name,
                "status_labels": status_labels, **labels.TEMPLATE_HELPERS}

    @app.template_filter("local")
    def _local(value: datetime | None, pattern: str = DATE_TIME) -> str:
        """A moment in the shop's time zone, by Babel in the console's language ("yyyy-MM-dd HH:mm", "HH:mm")."""
        return local_datetime(value, settings.app.timezone, reader_locale(), pattern) if value else ""

    @app.template_filter("figure")
    def _figure(value: Decimal | int | None) -> str:
        """An amount's figure by Babel in the console's language, the precision it was recorded with."""
        return amount_figure(value, reader_locale()) if value is not None else ""

    @app.template_filter("iso")
    def _iso(value: datetime | None) -> str:
        return value.isoformat() if value else ""


STATIC_DIR = Path(__file__).resolve().parent / "static"
