"""`python -m bot <command>`: init, serve, web, worker, scheduler, email-receiver, telegram, chat, user, apikey.

Every command loads the settings first, so a bad setting stops it with one line naming the key.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.web.metrics import WorkerMetricsServer


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from bot.crm.faq_store import seed_faq
    from models.db import make_engine, make_session_factory
    from models.migrate import upgrade

    engine = make_engine(settings.database.url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        seed_faq(session, settings)  # the console edits the FAQ from here on
    engine.dispose()
    print(f"database ready: {_safe_url(settings.database.url)}")
    return 0


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    """`user add EMAIL --role ROLE`: a console account, with a typed or generated password."""
    import getpass

    from bot.console.users import UserError, create_user
    from models import ConsoleUser
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database.url)
    try:
        sessions = make_session_factory(engine)
        if args.user_command == "list":
            with sessions() as session:
                for user in session.query(ConsoleUser).order_by(ConsoleUser.email):
                    print(f"{user.email}\t{user.role}\t{'active' if user.active else 'deactivated'}")
            return 0
        password = None
        if not args.generate and sys.stdin.isatty():
            password = getpass.getpass("password (empty: generate one): ") or None
            if password is not None and getpass.getpass("again: ") != password:
                print("error: the two passwords differ", file=sys.stderr)
                return 2
        generated = password is None
        try:
            with sessions.begin() as session:
                user, password = create_user(session, args.email, args.role, password)
                email, role = user.email, user.role
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    finally:
        engine.dispose()
    print(f"created {role} {email}")
    if generated:
        print(f"password: {password}")
    return 0


def _first_admin(settings: Settings, runtime: Any) -> tuple[str, str] | None:
    from bot.console.users import ensure_first_admin

    with runtime.sessions.begin() as session:
        return ensure_first_admin(session, settings.console.first_admin_email)


SERVE_GRACE_SECONDS = 5.0  # how long `serve` waits for requests in flight after SIGTERM / Ctrl+C


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Embedded mode: web, worker threads and the scheduler in this one process."""
    from bot.app import create_app
    from bot.devtools.sandbox import start_sandbox
    from bot.graceful import GracefulServer
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.worker import Worker, worker_id
    from jobs.scheduler import LeaderScheduler

    configure_logging()
    cmd_init(settings, args)
    host, port = args.host or settings.web.host, args.port or settings.web.port
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
    server = GracefulServer(create_app(runtime=runtime), host=host, port=port, threads=8, grace_seconds=SERVE_GRACE_SECONDS)
    _on_terminate(server.request_stop, also_interrupt=True)
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
    if sandbox.line is not None:
        print("Sandbox mode: no LINE credentials set, so a local LINE stand-in answers at", sandbox.line.url)
        print("Chat with the bot from another terminal:")
        print('  .venv/bin/python -m bot chat --follow')
        print('  .venv/bin/python -m bot chat "營業時間"')
    if sandbox.telegram is not None:
        print("Sandbox Telegram: a local Bot API stand-in answers at", sandbox.telegram.url)
        print('  .venv/bin/python -m bot chat --channel telegram --start ref_friend')
    if sandbox.mail is not None:
        print(f"Sandbox email: what the bot sends is caught in {sandbox.info['email']['maildir']} (a Maildir)")
        print('  .venv/bin/python -m bot chat --channel email "營業時間"')


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


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
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
    _on_terminate(worker._stop.set)
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


def cmd_email_receiver(settings: Settings, args: argparse.Namespace) -> int:
    """The inbound email inputs alone (scaled mode): the SMTP/LMTP receiver and the IMAP poller."""
    from bot.email_service import start_email_inputs
    from bot.logs import configure_logging
    from bot.worker import worker_id
    from models.db import make_engine, make_session_factory

    configure_logging()
    engine = make_engine(settings.database.url, pool_size=settings.database.pool_size)
    stop = threading.Event()
    try:
        inputs = start_email_inputs(settings, make_session_factory(engine), worker_id("email"), lmtp=args.lmtp)
    except OSError as exc:
        print(f"error: cannot listen on {settings.email.receiver_host}:{settings.email.receiver_port}: {exc}", file=sys.stderr)
        return 1
    protocol = "LMTP" if args.lmtp else "SMTP"
    print(f"{protocol} receiver for {', '.join(settings.email.inbound_domains)} on "
          f"{settings.email.receiver_host}:{settings.email.receiver_port}", flush=True)
    _on_terminate(stop.set)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    inputs.stop()
    engine.dispose()
    return 0


def cmd_telegram(settings: Settings, args: argparse.Namespace) -> int:
    """Register our webhook with Telegram, or show what Telegram has."""
    import json

    from telegram.error import TelegramError

    from bot.runtime import telegram_channel

    if not settings.telegram_configured:
        print("error: set BOT_TELEGRAM_TOKEN and BOT_TELEGRAM_WEBHOOK_SECRET first", file=sys.stderr)
        return 2
    if args.action == "set-webhook" and not (args.url or "").startswith("https://"):
        print("error: Telegram only calls https:// webhook URLs, e.g. https://bot.example.com/webhooks/telegram", file=sys.stderr)
        return 2
    channel = telegram_channel(settings)
    try:
        if args.action == "set-webhook":
            channel.set_webhook(args.url)
            print(f"webhook set: {args.url} (secret token and update types registered)")
        else:
            print(json.dumps(channel.info(), ensure_ascii=False, indent=2, default=str))
    except TelegramError as exc:
        print(f"error: Telegram answered: {exc.message}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    if args.channel == "telegram":
        from bot.cli.chat import chat_telegram

        return chat_telegram(settings, args)
    if args.channel == "email":
        from bot.cli.chat import chat_email

        return chat_email(settings, args)
    import requests

    from bot.devtools.chat import DEFAULT_USER, last_seq, line_event, post_events, render_for_terminal, wait_for_replies
    from bot.devtools.sandbox import read_sandbox

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
    try:
        replies = wait_for_replies(sandbox["line_api_base"], user, event["replyToken"], after, args.timeout)
    except requests.RequestException:
        print("error: the sandbox stopped answering while we waited for the reply; is `make run` still running?",
              file=sys.stderr)
        return 2
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


def _on_terminate(callback: Callable[[], Any], *, also_interrupt: bool = False) -> None:
    """Run `callback` on SIGTERM (and on SIGINT, Ctrl+C, instead of KeyboardInterrupt when asked)."""
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT) if also_interrupt else (signal.SIGTERM,):
            signal.signal(number, lambda *_: callback())


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
    receiver = sub.add_parser("email-receiver", help="receive inbound email (SMTP/LMTP, and IMAP if configured)",
                              description="Run the inbound email receiver for [email] inbound_domains on [email] "
                                          "receiver_host:receiver_port, and the IMAP poller if [email] imap_host is set.")
    receiver.add_argument("--lmtp", action="store_true", help="speak LMTP (behind an MTA such as Postfix) instead of SMTP")
    telegram = sub.add_parser("telegram", help="register the Telegram webhook or show its state",
                              description="set-webhook URL: register URL with the secret token and our update types; "
                                          "info: show the bot and the webhook Telegram has.")
    telegram.add_argument("action", choices=["set-webhook", "info"])
    telegram.add_argument("url", nargs="?", help="for set-webhook: https://<your host>/webhooks/telegram")
    chat = sub.add_parser("chat", help="talk to the sandbox bot as a LINE, Telegram or email customer would",
                          description="Sign a LINE webhook body (or post a Telegram update, or send an email) to the "
                                      "running sandbox, print the reply.")
    chat.add_argument("text", nargs="?", help="what the customer types")
    chat.add_argument("--channel", choices=["line", "telegram", "email"], default="line", help="which platform (default line)")
    chat.add_argument("--start", metavar="PAYLOAD", help="Telegram: /start with a deep-link payload such as ref_friend")
    chat.add_argument("--user", help="the user to send as: LINE user id, Telegram numeric id, or email address")
    chat.add_argument("--follow", action="store_true", help="send a follow event (adding the bot as a friend)")
    chat.add_argument("--postback", metavar="DATA", help="press a button: send a postback with this data")
    chat.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the reply (default 10)")
    user = sub.add_parser("user", help="console accounts: add one, or list them",
                          description="Manage the web console's accounts.")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_sub.add_parser("add", help="add an account (prints the password when it is generated)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("admin", "staff", "marketer"))
    add.add_argument("--generate", action="store_true", help="generate the password even at a terminal")
    user_sub.add_parser("list", help="list the accounts")
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
    "scheduler": cmd_scheduler, "chat": cmd_chat, "user": cmd_user,
    "email-receiver": cmd_email_receiver, "telegram": cmd_telegram, "apikey": cmd_apikey,
}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[args.command](settings, args))
