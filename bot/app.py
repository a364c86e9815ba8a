"""The Flask application factory: webhooks, health, metrics, and the web console."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, redirect, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.api import api
from bot.config import Settings, load_settings
from bot.console import persistent_secret_key, register_console
from bot.console.base import console_error_page
from bot.runtime import Runtime, build_runtime
from bot.web.codes import codes
from bot.web.links import links
from bot.web.metrics import REFUSED, AppMetrics
from bot.web.metrics import access as metrics_access
from bot.web.unsubscribe import unsubscribe
from bot.web.webhooks import webhooks


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
    app.register_blueprint(codes)
    app.register_blueprint(links)
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

    metrics_registry = AppMetrics(runtime.sessions, runtime.channels)
    app.extensions["metrics"] = metrics_registry

    @app.after_request
    def _count_webhook_answer(response: Response) -> Response:
        if request.endpoint == "webhooks.receive":
            metrics_registry.webhook_answered(str((request.view_args or {}).get("channel_name", "")), response.status_code)
        return response

    @app.get("/metrics")
    def metrics() -> Any:
        """Prometheus text format, for a bearer token or the addresses in `[metrics] allow_from`."""
        allowed = metrics_access(settings.metrics, request.headers.get("Authorization"), request.remote_addr)
        if allowed != 200:
            refused = jsonify(error=REFUSED)
            return refused, allowed, {"WWW-Authenticate": "Bearer"} if allowed == 401 else {}
        body, content_type = metrics_registry.render()
        return Response(body, content_type=content_type)

    return app
