"""`python -m bot <command>`: init, serve, web, worker, scheduler, chat, apikey.

Every command loads the settings first, so a bad setting stops it with one line naming the key.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from bot.config import ConfigError, Settings, load_settings


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from models.db import make_engine
    from models.migrate import upgrade

    engine = make_engine(settings.database.url)
    upgrade(engine)
    engine.dispose()
    print(f"database ready: {_safe_url(settings.database.url)}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Embedded mode: web, worker threads and the scheduler in this one process."""
    import waitress

    from bot.app import create_app
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.sandbox import start_sandbox
    from bot.worker import Worker, worker_id
    from jobs.scheduler import LeaderScheduler

    configure_logging()
    cmd_init(settings, args)
    host, port = args.host or settings.web.host, args.port or settings.web.port
    base = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}"
    standin = None
    if not settings.line_configured:
        settings, standin = start_sandbox(settings, base)
    runtime = build_runtime(settings)
    worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels, worker_id("serve"))
    worker.start()
    scheduler = LeaderScheduler(settings, runtime.sessions, worker.owner)
    scheduler.start_thread()
    print(f"\nService running at {base}  (health: {base}/healthz)")
    if standin is not None:
        print("Sandbox mode: no LINE credentials set, so a local LINE stand-in answers at", standin.url)
        print("Chat with the bot from another terminal:")
        print('  .venv/bin/python -m bot chat --follow')
        print('  .venv/bin/python -m bot chat "營業時間"')
    print("Press Ctrl+C to stop.\n", flush=True)
    server = waitress.create_server(create_app(runtime=runtime), host=host, port=port, threads=8)
    _on_terminate(server.close)
    try:
        server.run()
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        worker.stop()
        scheduler.stop()
        runtime.close()
        if standin is not None:
            standin.stop()
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    """The web tier alone, under gunicorn: for the scaled mode (workers and scheduler run apart)."""
    from gunicorn.app.base import BaseApplication

    from bot.app import create_app
    from bot.logs import configure_logging

    class WebApplication(BaseApplication):  # gunicorn's documented way to embed it
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host or settings.web.host}:{args.port or settings.web.port}")
            self.cfg.set("workers", args.workers or os.cpu_count() or 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", args.threads)
            self.cfg.set("accesslog", None)

        def load(self) -> Any:
            configure_logging()
            return create_app(settings)

    WebApplication().run()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import Worker

    configure_logging()
    runtime = build_runtime(settings)
    if not runtime.channels:
        print("warning: no channel is configured; replies stay in the outbox until one is", file=sys.stderr)
    worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels)
    worker.start()
    print(f"worker {worker.owner} running", flush=True)
    _on_terminate(worker._stop.set)
    try:
        worker.wait()
    except KeyboardInterrupt:
        pass
    worker.stop()
    runtime.close()
    return 0


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import worker_id
    from jobs.scheduler import LeaderScheduler

    configure_logging()
    runtime = build_runtime(settings)
    scheduler = LeaderScheduler(settings, runtime.sessions, worker_id("scheduler"))
    print(f"scheduler {scheduler.owner} waiting for leadership", flush=True)
    _on_terminate(scheduler.stop)
    try:
        scheduler.run()
    except KeyboardInterrupt:
        scheduler.stop()
    runtime.close()
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    import requests

    from bot.chat import DEFAULT_USER, last_seq, line_event, post_events, render_for_terminal, wait_for_replies
    from bot.sandbox import read_sandbox

    sandbox = read_sandbox(settings)
    if sandbox is None:
        print("error: no sandbox is running; start the service first with `make run`", file=sys.stderr)
        return 2
    user = args.user or DEFAULT_USER
    if args.follow:
        event = line_event("follow", user)
    elif args.postback:
        event = line_event("postback", user, postback=args.postback)
    elif args.text:
        event = line_event("message", user, text=args.text)
    else:
        print("error: say something: chat \"TEXT\", --follow or --postback DATA", file=sys.stderr)
        return 2
    try:
        after = last_seq(sandbox["line_api_base"])
        response = post_events(sandbox["webhook_url"], sandbox["channel_secret"], [event])
    except requests.ConnectionError:
        print(f"error: cannot reach {sandbox['webhook_url']}; is `make run` still running?", file=sys.stderr)
        return 2
    if response.status_code != 200:
        print(f"error: the webhook answered {response.status_code}: {response.text}", file=sys.stderr)
        return 1
    replies = wait_for_replies(sandbox["line_api_base"], user, event["replyToken"], after, args.timeout)
    if not replies:
        print(f"(no reply within {args.timeout:g} s)")
        return 1
    for delivery in replies:
        print(render_for_terminal(delivery))
    return 0


def cmd_apikey(settings: Settings, args: argparse.Namespace) -> int:
    """Keys for the shop API: `add NAME --role pos|eshop|readonly` prints the key once; `list`; `revoke NAME`."""
    from bot.api.keys import ApiKeyError, create_key, list_keys, revoke_key
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database.url)
    try:
        with make_session_factory(engine).begin() as session:
            if args.action == "add":
                key = create_key(session, args.name, args.role)
                print(f"API key for {args.name} (role {args.role}). It is shown only this once; store it in the shop system:")
                print(key)
            elif args.action == "revoke":
                revoke_key(session, args.name)
                print(f"revoked {args.name}")
            else:
                for row in list_keys(session):
                    state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                    used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
                    print(f"{row.name}\t{row.role}\tcrm_{row.prefix}_...\t{state}\tlast used {used}")
    except ApiKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def _on_terminate(callback: Callable[[], Any]) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: callback())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Omnichannel CRM chatbot service.")
    parser.add_argument("--config", help="path to config.toml (default: BOT_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", help="create or upgrade the database schema (safe to run again)",
                   description="Run the Alembic migrations up to the newest schema. Idempotent.")
    serve = sub.add_parser("serve", help="embedded mode: web + worker + scheduler in one process",
                           description="Run everything in one process (SQLite by default). With no LINE "
                                       "credentials it starts the sandbox: a local LINE stand-in.")
    web = sub.add_parser("web", help="the web tier under gunicorn (scaled mode)",
                         description="Serve webhooks, health and the console under gunicorn.")
    for command in (serve, web):
        command.add_argument("--host", help="address to listen on (default [web] host)")
        command.add_argument("--port", type=int, help="port to listen on (default [web] port)")
    web.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default: CPU count)")
    web.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    sub.add_parser("worker", help="process the inbox and deliver the outbox (scaled mode)",
                   description="Run the engine and delivery threads. Start as many as you like.")
    sub.add_parser("scheduler", help="run periodic jobs; one is active, others wait to take over",
                   description="Run the scheduler. A lease in the database makes exactly one active.")
    chat = sub.add_parser("chat", help="talk to the sandbox bot as a LINE user would",
                          description="Sign a LINE webhook body, post it to the running sandbox, print the reply.")
    chat.add_argument("text", nargs="?", help="what the customer types")
    chat.add_argument("--user", help="the LINE user id to send as (default: a fixed sandbox user)")
    chat.add_argument("--follow", action="store_true", help="send a follow event (adding the bot as a friend)")
    chat.add_argument("--postback", metavar="DATA", help="press a button: send a postback with this data")
    chat.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the reply (default 10)")
    apikey = sub.add_parser("apikey", help="manage the shop API's keys (add, list, revoke)",
                            description="Keys for POS and e-shop systems. A new key is printed once and stored hashed.")
    apikey_actions = apikey.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = apikey_actions.add_parser("add", help="create a key and print it once")
    add.add_argument("name", help="which system uses it, e.g. pos-store-1")
    add.add_argument("--role", required=True, choices=("pos", "eshop", "readonly"),
                     help="pos / eshop: report orders, redeem coupons, look up; readonly: look up only")
    revoke = apikey_actions.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("name")
    apikey_actions.add_parser("list", help="show keys (never the keys themselves)")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "init": cmd_init, "serve": cmd_serve, "web": cmd_web, "worker": cmd_worker,
    "scheduler": cmd_scheduler, "chat": cmd_chat, "apikey": cmd_apikey,
}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[args.command](settings, args))
