"""`python -m bot chat --channel telegram|email`: talk to the running sandbox as a Telegram user
(a real Update posted to the webhook with the secret header) or as an email customer (a real
email handed to the receiver over SMTP), and print what the bot answered."""

from __future__ import annotations

import argparse
import mailbox
import smtplib
import sys
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid

import requests

from bot.config import Settings
from bot.devtools.chat_telegram import (
    DEFAULT_TELEGRAM_USER,
    callback_update,
    last_seq,
    post_update,
    render_for_terminal,
    text_update,
    wait_for_replies,
)
from bot.devtools.sandbox import read_sandbox

DEFAULT_EMAIL_USER = "newcomer@sandbox.example"


def _sandbox_part(settings: Settings, name: str) -> dict | None:
    sandbox = read_sandbox(settings)
    part = (sandbox or {}).get(name)
    if part is None:
        print(f"error: no {name} sandbox is running; start the service first with `make run`", file=sys.stderr)
    return part


def chat_telegram(settings: Settings, args: argparse.Namespace) -> int:
    sandbox = _sandbox_part(settings, "telegram")
    if sandbox is None:
        return 2
    user = int(args.user) if args.user and args.user.isdigit() else DEFAULT_TELEGRAM_USER
    if args.postback:
        update = callback_update(user, args.postback)
    elif args.follow or args.start is not None:
        update = text_update(user, f"/start {args.start}".strip() if args.start else "/start")
    elif args.text:
        update = text_update(user, args.text)
    else:
        print('error: say something: chat --channel telegram "TEXT", --follow, --start PAYLOAD or --postback DATA',
              file=sys.stderr)
        return 2
    try:
        after = last_seq(sandbox["api_base"])
        response = post_update(sandbox["webhook_url"], sandbox["webhook_secret"], update)
    except requests.ConnectionError:
        print(f"error: cannot reach {sandbox['webhook_url']}; is `make run` still running?", file=sys.stderr)
        return 2
    if response.status_code != 200:
        print(f"error: the webhook answered {response.status_code}: {response.text}", file=sys.stderr)
        return 1
    replies = wait_for_replies(sandbox["api_base"], user, after, args.timeout)
    if not replies:
        print(f"(no reply within {args.timeout:g} s)")
        return 1
    for delivery in replies:
        print(render_for_terminal(delivery))
    return 0


def chat_email(settings: Settings, args: argparse.Namespace) -> int:
    sandbox = _sandbox_part(settings, "email")
    if sandbox is None:
        return 2
    if not args.text:
        print('error: say something: chat --channel email "TEXT"', file=sys.stderr)
        return 2
    sender = args.user if args.user and "@" in args.user else DEFAULT_EMAIL_USER
    message = EmailMessage()
    message["From"], message["To"] = sender, sandbox["shop_address"]
    message["Subject"] = args.text[:60]
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(args.text)
    host, port = sandbox["receiver"]
    try:
        with smtplib.SMTP(host, port, timeout=10) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        print(f"error: the receiver at {host}:{port} did not take the mail: {exc}", file=sys.stderr)
        return 2
    replies = _wait_for_mail(sandbox["maildir"], message["Message-ID"], args.timeout)
    if not replies:
        print(f"(no reply within {args.timeout:g} s)")
        return 1
    for reply in replies:
        print(f"Subject: {reply['Subject']}\n{reply.get_body(preferencelist=('plain',)).get_content().rstrip()}\n")
    return 0


def _wait_for_mail(maildir: str, in_reply_to: str, timeout: float) -> list[EmailMessage]:
    """Read the sandbox's Maildir until the answers to our message arrived (welcome + answer)."""
    deadline = time.monotonic() + timeout
    found: list[tuple[float, EmailMessage]] = []
    settled_at = None
    while time.monotonic() < deadline:
        box = mailbox.Maildir(maildir, create=True)
        found = []
        for key in box.keys():
            parsed = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
            if parsed["In-Reply-To"] == in_reply_to:
                found.append((box.get_message(key).get_date(), parsed))
        if found and settled_at is None:
            settled_at = time.monotonic()
        if settled_at is not None and time.monotonic() - settled_at > 0.8:
            break
        time.sleep(0.1)
    return [message for _, message in sorted(found, key=lambda pair: pair[0])]
