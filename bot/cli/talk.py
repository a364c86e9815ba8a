"""How `chat` speaks each platform to the running sandbox, as a customer there would: a signed
LINE webhook body, a Telegram Update posted with the secret header, or a real email handed to
the receiver over SMTP. Each prints what the bot answered and returns the exit code."""

from __future__ import annotations

import mailbox
import smtplib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from typing import Any

import requests

from bot.config import Settings
from bot.devtools.sandbox import read_sandbox

DEFAULT_EMAIL_USER = "newcomer@sandbox.example"


@dataclass(frozen=True)
class ChatRequest:
    """What the customer does: say TEXT, follow (or /start PAYLOAD), or press a button."""

    text: str | None = None
    user: str | None = None
    follow: bool = False
    start: str | None = None
    postback: str | None = None
    timeout: float = 10.0


def _post_to_webhook(webhook_url: str, api_base: str, post: Callable[[], requests.Response]) -> tuple[int, int]:
    """Hand one event to the running bot: (exit code, the stand-in's delivery count before it). Exit
    code 0 means the bot took it and its replies come after that count; otherwise the reason is
    printed in the same words whichever platform's chat was asked."""
    from bot.devtools.standin_poll import last_seq

    try:
        after = last_seq(api_base)
        response = post()
    except requests.ConnectionError:
        print(f"error: cannot reach {webhook_url}; is `make run` still running?", file=sys.stderr)
        return 2, 0
    if response.status_code != 200:
        print(f"error: the webhook answered {response.status_code}: {response.text}", file=sys.stderr)
        return 1, 0
    return 0, after


def chat_line(settings: Settings, request: ChatRequest) -> int:
    from bot.devtools.chat import DEFAULT_USER, line_event, post_events, render_for_terminal, wait_for_replies

    sandbox = _sandbox_part(settings, "line")
    if sandbox is None:
        return 2
    user = request.user or DEFAULT_USER
    if request.follow:
        event = line_event("follow", user)
    elif request.postback:
        event = line_event("postback", user, postback=request.postback)
    elif request.text:
        event = line_event("message", user, text=request.text)
    else:
        print("error: say something: chat \"TEXT\", --follow or --postback DATA", file=sys.stderr)
        return 2
    failed, after = _post_to_webhook(sandbox["webhook_url"], sandbox["line_api_base"],
                                     lambda: post_events(sandbox["webhook_url"], sandbox["channel_secret"], [event]))
    if failed:
        return failed
    try:
        replies = wait_for_replies(sandbox["line_api_base"], user, event["replyToken"], after, request.timeout)
    except requests.RequestException:
        print("error: the sandbox stopped answering while we waited for the reply; is `make run` still running?",
              file=sys.stderr)
        return 2
    return _print_replies([render_for_terminal(delivery) for delivery in replies], request.timeout)


def chat_telegram(settings: Settings, request: ChatRequest) -> int:
    from bot.devtools.chat_telegram import (
        DEFAULT_TELEGRAM_USER,
        callback_update,
        post_update,
        render_for_terminal,
        text_update,
        wait_for_replies,
    )

    sandbox = _sandbox_part(settings, "telegram")
    if sandbox is None:
        return 2
    user = int(request.user) if request.user and request.user.isdigit() else DEFAULT_TELEGRAM_USER
    if request.postback:
        update = callback_update(user, request.postback)
    elif request.follow or request.start is not None:
        update = text_update(user, f"/start {request.start}".strip() if request.start else "/start")
    elif request.text:
        update = text_update(user, request.text)
    else:
        print('error: say something: chat --channel telegram "TEXT", --follow, --start PAYLOAD or --postback DATA',
              file=sys.stderr)
        return 2
    failed, after = _post_to_webhook(sandbox["webhook_url"], sandbox["api_base"],
                                     lambda: post_update(sandbox["webhook_url"], sandbox["webhook_secret"], update))
    if failed:
        return failed
    replies = wait_for_replies(sandbox["api_base"], user, after, request.timeout)
    return _print_replies([render_for_terminal(delivery) for delivery in replies], request.timeout)


def chat_email(settings: Settings, request: ChatRequest) -> int:
    sandbox = _sandbox_part(settings, "email")
    if sandbox is None:
        return 2
    if not request.text:
        print('error: say something: chat --channel email "TEXT"', file=sys.stderr)
        return 2
    sender = request.user if request.user and "@" in request.user else DEFAULT_EMAIL_USER
    message = EmailMessage()
    message["From"], message["To"] = sender, sandbox["shop_address"]
    message["Subject"] = request.text[:60]
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(request.text)
    host, port = sandbox["receiver"]
    try:
        with smtplib.SMTP(host, port, timeout=10) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        print(f"error: the receiver at {host}:{port} did not take the mail: {exc}", file=sys.stderr)
        return 2
    replies = _wait_for_mail(sandbox["maildir"], message["Message-ID"], request.timeout)
    return _print_replies([f"Subject: {reply['Subject']}\n{_plain_body(reply)}\n" for reply in replies],
                          request.timeout)


def _print_replies(rendered: list[str], timeout: float) -> int:
    """Print the replies; none within the timeout is exit code 1."""
    if not rendered:
        print(f"(no reply within {timeout:g} s)")
        return 1
    for text in rendered:
        print(text)
    return 0


def _plain_body(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()).rstrip() if body is not None else ""


def _sandbox_part(settings: Settings, name: str) -> dict[str, Any] | None:
    sandbox = read_sandbox(settings)
    part: dict[str, Any] | None = (sandbox or {}).get(name)
    if part is None:
        print(f"error: no {name} sandbox is running; start the service first with `make run`", file=sys.stderr)
    return part


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
