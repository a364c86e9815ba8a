"""The Flask application factory: webhooks, health, metrics, and the web console."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, redirect
from sqlalchemy import func, select, text
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.api import api
from bot.config import Settings, load_settings
from bot.console import console_error_page, persistent_secret_key, register_console
from bot.runtime import Runtime, build_runtime
from bot.unsubscribe import unsubscribe
from bot.webhooks import webhooks
from models import InboxEvent, OutboxMessage


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    if runtime is None:
        runtime = build_runtime(settings or load_settings())
    settings = runtime.settings
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=persistent_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.web.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.extensions["bot"] = runtime
    if settings.web.trusted_proxies:
        # Take the client's address and scheme from the last N proxies' X-Forwarded-* headers, so
        # request.remote_addr (the login throttle's per-address key) is the client, not the proxy.
        # Only that many hops are believed: anything a client writes further left is ignored.
        hops = settings.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.register_blueprint(webhooks)
    register_console(app, settings)
    app.register_blueprint(unsubscribe)
    app.register_blueprint(api)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        return console_error_page(exc) or (jsonify(error=exc.description), exc.code)

    @app.get("/")
    def home() -> Any:
        return redirect("/console/")

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            with runtime.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not healthy", with the reason
            return jsonify(status="unavailable", database=type(exc).__name__), 503
        return jsonify(status="ok", database="ok", channels=sorted(runtime.channels))

    @app.get("/metrics")
    def metrics() -> Any:
        with runtime.sessions() as session:
            inbox = dict(session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status)).all())
            outbox = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        return jsonify(inbox=inbox, outbox=outbox)

    return app
