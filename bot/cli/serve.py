"""`serve`: the embedded mode, web, worker threads and the scheduler in this one process.

Without platform credentials (and outside production) it starts the sandbox, the local stand-ins
a newcomer chats with, and says how.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from bot.cli.base import on_terminate, with_settings
from bot.cli.database import init_database
from bot.config import Settings

SERVE_GRACE_SECONDS = 5.0  # how long `serve` waits for requests in flight after SIGTERM / Ctrl+C


def listen_options(command: Any) -> Any:
    """`--host` and `--port`, shared by `serve` and `web`."""
    command = click.option("--port", type=int, help="port to listen on (default [web] port)")(command)
    return click.option("--host", help="address to listen on (default [web] host)")(command)


@click.command("serve", short_help="embedded mode: web + worker + scheduler in one process",
               help="Run everything in one process (SQLite by default). With no LINE credentials it starts "
                    "the sandbox: a local LINE stand-in.")
@listen_options
@with_settings
def serve_command(settings: Settings, host: str | None, port: int | None) -> int:
    from bot.app import create_app
    from bot.devtools.sandbox import start_sandbox
    from bot.graceful import GracefulServer
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import Worker, worker_id
    from jobs.scheduler import LeaderScheduler

    configure_logging()
    init_database(settings)
    host, port = host or settings.web.host, port or settings.web.port
    base = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}"
    sandbox = None
    if not settings.production:
        settings, sandbox = start_sandbox(settings, base)
    runtime = build_runtime(settings)
    worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels, worker_id("serve"))
    worker.start()
    scheduler = LeaderScheduler(settings, runtime.sessions, worker.owner)
    scheduler_thread = scheduler.start_thread()
    email_inputs = _start_email_inputs(settings, runtime, worker.owner)
    first_admin = _first_admin(settings, runtime)
    print(f"\nService running at {base}  (health: {base}/healthz)")
    print(f"Console: {base}/console/")
    if first_admin is not None:
        print(f"  first admin (shown once; change it under Account): {first_admin[0]} / {first_admin[1]}")
    if sandbox is not None and sandbox.active:
        _print_sandbox(sandbox)
    print("Press Ctrl+C to stop.\n", flush=True)
    server = GracefulServer(create_app(runtime=runtime), host=host, port=port, threads=8,
                            grace_seconds=SERVE_GRACE_SECONDS)
    on_terminate(server.request_stop, also_interrupt=True)
    try:
        server.run()  # returns once a signal asked it to stop and the requests in flight are answered
    finally:
        scheduler.stop()
        worker.stop()
        scheduler_thread.join(10)  # it releases the leader lease on its way out
        if email_inputs is not None:
            email_inputs.stop()
        runtime.close()
        if sandbox is not None:
            sandbox.stop()
    return 0


def _first_admin(settings: Settings, runtime: Any) -> tuple[str, str] | None:
    """The console's first account, created on the first start; its password is shown once."""
    from bot.console.users import ensure_first_admin

    with runtime.sessions.begin() as session:
        return ensure_first_admin(session, settings.console.first_admin_email)


def _start_email_inputs(settings: Settings, runtime: Any, owner: str) -> Any:
    """The embedded mode's inbound email: a busy port is reported, not fatal to the rest."""
    from bot.email_service import start_email_inputs

    try:
        return start_email_inputs(settings, runtime.sessions, owner)
    except OSError as exc:
        print(f"warning: email receiver not started on {settings.email.receiver_host}:{settings.email.receiver_port}: "
              f"{exc.strerror or exc} (set [email] receiver_port)", file=sys.stderr)
        return None


def _print_sandbox(sandbox: Any) -> None:
    for line in sandbox.notices:  # each channel's stand-in says where it answers (channels.registry)
        print(line)
