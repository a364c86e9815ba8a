"""Fixtures for the Telegram and email channels: their stand-ins and settings that enable both.

The general stand-in spaces messages to one chat 50 ms apart (Telegram: 1 s) so dialogue tests
run quickly; the rate-limit tests start their own stand-in with Telegram's real numbers.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from bot.config import Settings
from bot.email_intake import EmailIntake
from bot.runtime import Runtime
from bot.worker import Worker
from channels.email.receiver import EmailReceiver
from channels.email.standin import MailCatcher
from channels.line.standin import LineStandin
from channels.telegram.standin import TelegramStandin
from tests.channels.certs import self_signed_certificate
from tests.channels.telegram_chat import TelegramChat
from tests.conftest import make_settings
from tests.pg import free_port

TELEGRAM_TOKEN = "123456:test-telegram-token"
TELEGRAM_SECRET = "test-webhook-secret_0123456789"
FAST_CHAT_INTERVAL = 0.05


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[TelegramStandin]:
    standin = TelegramStandin(TELEGRAM_TOKEN, chat_interval=FAST_CHAT_INTERVAL, group_per_minute=60 / FAST_CHAT_INTERVAL)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def telegram(telegram_server: TelegramStandin) -> TelegramStandin:
    telegram_server.reset()
    return telegram_server


def telegram_env(api_base: str) -> dict[str, str]:
    return {"BOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "BOT_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "BOT_TELEGRAM_API_BASE": api_base, "BOT_TELEGRAM_READ_TIMEOUT": "2",
            "BOT_TELEGRAM_CHAT_INTERVAL_SECONDS": str(FAST_CHAT_INTERVAL),
            "BOT_TELEGRAM_GROUP_MESSAGES_PER_MINUTE": str(60 / FAST_CHAT_INTERVAL)}


SMTP_LOGIN = ("bot@shop.example", "smtp-password-for-tests")


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 / localhost, made for this run."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def smtp_server(certificate: tuple[str, str]) -> Iterator[MailCatcher]:
    """The provider's submission server: STARTTLS required, then a login."""
    catcher = MailCatcher(tls_cert=certificate[0], tls_key=certificate[1], login=SMTP_LOGIN).start()
    yield catcher
    catcher.stop()


@pytest.fixture
def outbox_mail(smtp_server: MailCatcher) -> MailCatcher:
    smtp_server.reset()
    return smtp_server


def email_env(smtp: MailCatcher, ca_file: str) -> dict[str, str]:
    return {"BOT_EMAIL_SMTP_HOST": smtp.host, "BOT_EMAIL_SMTP_PORT": str(smtp.port), "BOT_EMAIL_SMTP_STARTTLS": "true",
            "BOT_EMAIL_SMTP_USERNAME": SMTP_LOGIN[0], "BOT_EMAIL_SMTP_PASSWORD": SMTP_LOGIN[1],
            "BOT_EMAIL_SMTP_CA_FILE": ca_file, "BOT_EMAIL_TIMEOUT": "5", "BOT_EMAIL_CONNECT_TIMEOUT": "2",
            "BOT_EMAIL_INBOUND_DOMAINS": "shop.example,shop.test", "BOT_EMAIL_MAX_MESSAGE_BYTES": "65536",
            "BOT_WEB_PUBLIC_URL": "https://shop.example"}


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: LineStandin, telegram: TelegramStandin, outbox_mail: MailCatcher,
             certificate: tuple[str, str]) -> Settings:
    return make_settings(db_url, tmp_path, standin.url, **telegram_env(telegram.url), **email_env(outbox_mail, certificate[0]))


@pytest.fixture
def receiver(runtime: Runtime, certificate: tuple[str, str]) -> Iterator[EmailReceiver]:
    """The inbound receiver on a free port, offering STARTTLS with the test certificate."""
    email = runtime.settings.email
    intake = EmailIntake.from_settings(runtime.settings, runtime.sessions)
    started = EmailReceiver(intake.store, domains=email.inbound_domains, host="127.0.0.1", port=free_port(),
                            max_bytes=email.max_message_bytes, tls_cert=certificate[0], tls_key=certificate[1]).start()
    yield started
    started.stop()


def send_mail(receiver: EmailReceiver, raw: bytes, *, mail_from: str, to: list[str], ca_file: str | None = None) -> None:
    """Hand a message to the receiver as a sending mail server would: EHLO, STARTTLS, MAIL, RCPT, DATA."""
    with smtplib.SMTP(receiver.host, receiver.port, timeout=10) as client:
        client.ehlo()
        if ca_file:
            client.starttls(context=ssl.create_default_context(cafile=ca_file))
            client.ehlo()
        client.sendmail(mail_from, to, raw)


CUSTOMER = "mei.lin@gmail.example"


def mail(text: str, *, sender: str = CUSTOMER, to: str = "shop@shop.example", subject: str = "問題", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"林美 <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="gmail.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


class EmailChat:
    """A customer's mail server talking to our receiver, and the replies that reach the provider."""

    def __init__(self, receiver: EmailReceiver, worker: Worker, catcher: MailCatcher, ca_file: str) -> None:
        self.receiver, self.worker, self.catcher, self.ca_file = receiver, worker, catcher, ca_file
        self._seen = 0

    def send(self, message: EmailMessage | bytes, *, mail_from: str = CUSTOMER, to: list[str] | None = None) -> list[EmailMessage]:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        send_mail(self.receiver, raw, mail_from=mail_from, to=to or ["shop@shop.example"], ca_file=self.ca_file)
        return self.replies()

    def replies(self) -> list[EmailMessage]:
        self.worker.drain()
        found = [self.catcher.parsed(i) for i in range(self._seen, len(self.catcher.messages))]
        self._seen = len(self.catcher.messages)
        return found


@pytest.fixture
def email_chat(receiver: EmailReceiver, worker: Worker, outbox_mail: MailCatcher, certificate: tuple[str, str]) -> EmailChat:
    return EmailChat(receiver, worker, outbox_mail, certificate[0])


def body(message: EmailMessage, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


@pytest.fixture
def tg(server: str, worker: Worker, telegram: TelegramStandin) -> TelegramChat:
    return TelegramChat(server, worker, telegram, TELEGRAM_SECRET)
