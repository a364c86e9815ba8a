"""`/metrics` in the Prometheus text format, and who may read it.

Why a registry per app and not prometheus_client's global one: the tests (and a process that
builds the app twice) would register the same names twice. The inbox and outbox counts are read
from the database at scrape time, so every web process answers the same truth. Delivery is
observed where it happens, in the worker's threads, which know no app: those observations live in
one process-wide object (`DELIVERY`) that each app's registry only reads. In scaled mode each
process counts its own deliveries, as usual with Prometheus; a `worker` process has no web app, so
with `[metrics] worker_port` set it serves its registry itself (`WorkerMetricsServer`), under the
same access rule (`access`) as the web's `/metrics`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request, Response

from bot.config import MetricsSettings, Settings
from bot.graceful import GracefulServer
from models import InboxEvent, OutboxMessage, utcnow

# Replies should leave in about a second; marketing and retried rows may take hours.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0, 86400.0)
# Listed even when no row has them, so an alert on `failed` sees a 0 rather than no series.
INBOX_STATUSES = ("pending", "done", "failed")
OUTBOX_STATUSES = ("pending", "sent", "failed")


class DeliveryObservations:
    """What the delivery loop saw in this process: attempts by outcome, and queued-to-sent latency."""

    def __init__(self) -> None:
        self.attempts = Counter("bot_delivery_attempts", "Outbox send attempts by channel and outcome (sent, retry, failed).",
                                ["channel", "outcome"], registry=None)
        self.latency = Histogram("bot_delivery_latency_seconds", "Time from queueing an outbox row to its successful send.",
                                 ["channel", "purpose"], buckets=LATENCY_BUCKETS, registry=None)

    def attempt(self, channel: str, outcome: str) -> None:
        self.attempts.labels(channel, outcome).inc()

    def sent(self, channel: str, purpose: str, queued_at: datetime | None) -> None:
        if queued_at is not None:
            self.latency.labels(channel, purpose).observe(max((utcnow() - queued_at).total_seconds(), 0.0))

    def collect(self) -> Iterator[Metric]:
        yield from self.attempts.collect()
        yield from self.latency.collect()


DELIVERY = DeliveryObservations()


class QueueCollector:
    """Inbox and outbox row counts by status, counted when Prometheus scrapes."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def describe(self) -> Iterator[Metric]:  # names only: registering must not query the database
        yield GaugeMetricFamily("bot_inbox_events", "Inbox events by status.", labels=["status"])
        yield GaugeMetricFamily("bot_outbox_messages", "Outbox messages by status.", labels=["status"])

    def collect(self) -> Iterator[Metric]:
        with self._sessions() as session:
            inbox = dict(session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status)).all())
            outbox = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        yield _by_status("bot_inbox_events", "Inbox events by status.", INBOX_STATUSES, inbox)
        yield _by_status("bot_outbox_messages", "Outbox messages by status.", OUTBOX_STATUSES, outbox)


def _by_status(name: str, documentation: str, known: Iterable[str], counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in sorted(set(known) | set(counts)):
        family.add_metric([status], counts.get(status, 0))
    return family


class ProcessMetrics:
    """One registry: the queue counts and this process's deliveries (what a `worker` exports)."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(QueueCollector(sessions))
        self.registry.register(DELIVERY)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class AppMetrics(ProcessMetrics):
    """One app's registry: the queue counts, this process's deliveries, and the app's webhook answers."""

    def __init__(self, sessions: Callable[[], Session], channels: Iterable[str]) -> None:
        super().__init__(sessions)
        self._channels = frozenset(channels)
        self.webhook_answers = Counter("bot_webhook_responses", "Webhook answers by channel and HTTP status.",
                                       ["channel", "status"], registry=self.registry)

    def webhook_answered(self, channel: str, status: int) -> None:
        # Any path segment reaches the webhook route: only configured channels become label values.
        self.webhook_answers.labels(channel if channel in self._channels else "other", str(status)).inc()


REFUSED = "metrics need a bearer token or an allowed address"


def access(settings: MetricsSettings, authorization: str | None, remote_addr: str | None) -> int:
    """200 when the caller may read the metrics, else the status to refuse with (401 or 403).

    A presented token must be right (compared in constant time), wherever it comes from; without
    one, the client's address must be in `allow_from`."""
    if authorization:
        scheme, _, presented = authorization.partition(" ")
        if settings.token and scheme.lower() == "bearer" and hmac.compare_digest(
                presented.strip().encode(), settings.token.encode()):
            return 200
        return 401
    if _address_allowed(remote_addr, settings.allow_from):
        return 200
    return 401 if settings.token else 403


def _address_allowed(remote_addr: str | None, allow_from: Iterable[str]) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in allow_from)


class WorkerMetricsServer:
    """`GET /metrics` for a `worker` process, on `[web] host`:`[metrics] worker_port`.

    Why its own small server: the worker has no web app, yet its delivery counts exist only in its
    memory. Waitress (as `serve` uses it) runs in a daemon thread, so it can never keep the process
    alive; `stop()` ends it with the worker. The address checked is the direct peer's: no proxy
    headers are believed here. Binding happens in the constructor, so a busy port fails at start.
    """

    def __init__(self, settings: Settings, sessions: Callable[[], Session]) -> None:
        self.host, self.port = settings.web.host, settings.metrics.worker_port
        self._access_settings = settings.metrics
        self._metrics = ProcessMetrics(sessions)
        self._server = GracefulServer(self._wsgi, host=self.host, port=self.port, threads=2, grace_seconds=2.0)  # type: ignore[misc]  # see _wsgi
        self._thread = threading.Thread(target=self._server.run, name="worker-metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.request_stop()
        self._thread.join(10)

    # werkzeug turns this into a WSGI callable (self, environ, start_response). Its docs and code support
    # methods, but Request.application is typed for plain functions only: hence the two ignores here.
    @Request.application  # type: ignore[arg-type]
    def _wsgi(self, request: Request) -> Response:  # type: ignore[misc]
        if request.path != "/metrics":
            return _json_error("not found", 404)
        if request.method not in ("GET", "HEAD"):
            return _json_error("method not allowed", 405)
        allowed = access(self._access_settings, request.headers.get("Authorization"), request.remote_addr)
        if allowed != 200:
            refused = _json_error(REFUSED, allowed)
            if allowed == 401:
                refused.headers["WWW-Authenticate"] = "Bearer"
            return refused
        body, content_type = self._metrics.render()
        return Response(body, content_type=content_type)


def _json_error(message: str, status: int) -> Response:
    return Response(json.dumps({"error": message}), status, content_type="application/json")
