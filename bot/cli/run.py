"""The scaled mode's processes: `web` under gunicorn, `worker`, `scheduler`, `email-receiver`.

Each runs until SIGTERM (or Ctrl+C) and then lets go of what it holds: leases, ports, the pool.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from bot.cli.base import on_terminate, with_settings
from bot.cli.serve import listen_options
from bot.config import Settings

if TYPE_CHECKING:
    from bot.web.metrics import WorkerMetricsServer


@click.command("web", short_help="the web tier under gunicorn (scaled mode)",
               help="Serve webhooks, health and the console under gunicorn.")
@listen_options
@click.option("--workers", type=int, default=None, help="gunicorn worker processes (default: CPU count)")
@click.option("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
@with_settings
def web_command(settings: Settings, host: str | None, port: int | None, workers: int | None, threads: int) -> int:
    from gunicorn.app.base import BaseApplication

    from bot.app import create_app
    from bot.logs import configure_logging

    class WebApplication(BaseApplication):  # gunicorn's documented way to embed it
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host or settings.web.host}:{port or settings.web.port}")
            self.cfg.set("workers", workers or os.cpu_count() or 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)
            self.cfg.set("control_socket_disable", True)  # one shared ~/.gunicorn socket per host otherwise

        def load(self) -> Any:
            configure_logging()
            return create_app(settings)

    WebApplication().run()
    return 0


def _lower_priority(nice: int) -> None:
    """Let web processes on the same machine go first: an ack that waits for a worker's turn on
    the CPU makes LINE wait, while a reply that waits a millisecond more does not matter."""
    if nice and hasattr(os, "nice"):
        os.nice(nice)


@click.command("worker", short_help="process the inbox and deliver the outbox (scaled mode)",
               help="Run the engine and delivery threads. Start as many as you like.")
@with_settings
def worker_command(settings: Settings) -> int:
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import Worker

    configure_logging()
    _lower_priority(settings.worker.nice)
    runtime = build_runtime(settings)
    if not runtime.channels:
        print("warning: no channel is configured; replies stay in the outbox until one is", file=sys.stderr)
    try:
        metrics = _start_worker_metrics(settings, runtime)
    except OSError as exc:  # the worker stops rather than run unobserved
        print(f"error: cannot serve metrics on {settings.web.host}:{settings.metrics.worker_port}: "
              f"{exc.strerror or exc} (set [metrics] worker_port, or 0 for none)", file=sys.stderr)
        runtime.close()
        return 1
    worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels)
    worker.start()
    print(f"worker {worker.owner} running", flush=True)
    on_terminate(worker._stop.set)
    try:
        worker.wait()
    except KeyboardInterrupt:
        pass
    worker.stop()
    if metrics is not None:
        metrics.stop()
    runtime.close()
    return 0


def _start_worker_metrics(settings: Settings, runtime: Any) -> WorkerMetricsServer | None:
    """The worker's own /metrics when `[metrics] worker_port` is set (its deliveries are counted
    only in its memory); None when it is off. OSError when the port cannot be bound."""
    if not settings.metrics.worker_port:
        return None
    from bot.web.metrics import WorkerMetricsServer

    server = WorkerMetricsServer(settings, runtime.sessions)
    server.start()
    print(f"metrics at http://{server.host}:{server.port}/metrics", flush=True)
    return server


@click.command("scheduler", short_help="run periodic jobs; one is active, others wait to take over",
               help="Run the scheduler. A lease in the database makes exactly one active.")
@with_settings
def scheduler_command(settings: Settings) -> int:
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import worker_id
    from jobs.scheduler import LeaderScheduler

    configure_logging()
    runtime = build_runtime(settings)
    scheduler = LeaderScheduler(settings, runtime.sessions, worker_id("scheduler"))
    print(f"scheduler {scheduler.owner} waiting for leadership", flush=True)
    on_terminate(scheduler.stop)
    try:
        scheduler.run()
    except KeyboardInterrupt:
        scheduler.stop()
    runtime.close()
    return 0


@click.command("email-receiver", short_help="receive inbound email (SMTP/LMTP, and IMAP if configured)",
               help="Run the inbound email receiver for [email] inbound_domains on [email] "
                    "receiver_host:receiver_port, and the IMAP poller if [email] imap_host is set.")
@click.option("--lmtp", is_flag=True, help="speak LMTP (behind an MTA such as Postfix) instead of SMTP")
@with_settings
def email_receiver_command(settings: Settings, lmtp: bool) -> int:
    from bot.email_service import start_email_inputs
    from bot.logs import configure_logging
    from bot.worker import worker_id
    from models.db import make_engine, make_session_factory

    configure_logging()
    engine = make_engine(settings.database.url, pool_size=settings.database.pool_size)
    stop = threading.Event()
    try:
        inputs = start_email_inputs(settings, make_session_factory(engine), worker_id("email"), lmtp=lmtp)
    except OSError as exc:
        print(f"error: cannot listen on {settings.email.receiver_host}:{settings.email.receiver_port}: {exc}",
              file=sys.stderr)
        return 1
    protocol = "LMTP" if lmtp else "SMTP"
    print(f"{protocol} receiver for {', '.join(settings.email.inbound_domains)} on "
          f"{settings.email.receiver_host}:{settings.email.receiver_port}", flush=True)
    on_terminate(stop.set)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    inputs.stop()
    engine.dispose()
    return 0
