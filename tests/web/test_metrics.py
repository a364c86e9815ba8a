"""`/metrics`: the Prometheus text format over real HTTP, values that match the database, and access
only with the bearer token or from an allowed address."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot import pipeline
from bot.app import create_app
from bot.config import ConfigError, Settings, load_settings
from bot.events import Outbound
from bot.runtime import Runtime, build_runtime
from channels.line.standin import LineStandin
from models import InboxEvent, OutboxMessage
from tests.conftest import make_settings

TOKEN = "metrics-token-7f3a9c2e5b1d4068"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: LineStandin) -> Settings:
    """Token only: the tests reach the server from 127.0.0.1, which must not be let in by address here."""
    return make_settings(db_url, tmp_path, standin.url, BOT_METRICS_TOKEN=TOKEN, BOT_METRICS_ALLOW_FROM="")


def scrape(server: str, token: str = TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = requests.get(f"{server}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_the_right_bearer_token_metrics_are_refused(server):
    for headers in ({}, {"Authorization": "Bearer wrong-token-0000000000"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        response = requests.get(f"{server}/metrics", headers=headers, timeout=10)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "bot_inbox_events" not in response.text
    assert value(scrape(server), "bot_outbox_messages", status="failed") == 0


def test_counts_follow_the_inbox_and_outbox_rows_and_deliveries_and_webhook_answers(chat, server, runtime, db):
    before = scrape(server)
    assert chat.say("營業時間")
    assert chat.post_raw(b'{"events": []}', "bad-signature").status_code == 400
    assert requests.post(f"{server}/webhooks/nowhere", data=b"{}", timeout=10).status_code == 404
    with runtime.sessions.begin() as session:  # one row that stays pending: it is due tomorrow
        [waiting] = pipeline.enqueue(session, "line", chat.user, [Outbound("later")])
        waiting.next_attempt_at = waiting.next_attempt_at.replace(year=waiting.next_attempt_at.year + 1)

    samples = scrape(server)
    for model, name in ((InboxEvent, "bot_inbox_events"), (OutboxMessage, "bot_outbox_messages")):
        with runtime.sessions() as session:
            counts = dict(session.execute(select(model.status, func.count()).group_by(model.status)).all())
        assert counts and all(value(samples, name, status=status) == count for status, count in counts.items())
    sent = db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
    assert sent >= 1 and value(samples, "bot_outbox_messages", status="pending") == 1
    assert value(samples, "bot_inbox_events", status="done") == 1
    assert value(samples, "bot_webhook_responses_total", channel="line", status="200") == 1
    assert value(samples, "bot_webhook_responses_total", channel="line", status="400") == 1
    assert value(samples, "bot_webhook_responses_total", channel="other", status="404") == 1
    # Delivery is counted in this process (the worker ran here), so compare with before.
    attempts = ("bot_delivery_attempts_total", {"channel": "line", "outcome": "sent"})
    assert value(samples, attempts[0], **attempts[1]) - value(before, attempts[0], **attempts[1]) == sent
    latency = ("bot_delivery_latency_seconds_count", {"channel": "line", "purpose": "reply"})
    assert value(samples, latency[0], **latency[1]) - value(before, latency[0], **latency[1]) == sent


def test_a_failed_attempt_is_counted_by_outcome(runtime, worker, standin, server):
    before = scrape(server)
    with runtime.sessions.begin() as session:
        pipeline.enqueue(session, "line", "Umetrics", [Outbound("x")])
    standin.add_fault("/v2/bot/message/push", status=500, times=1)
    worker.deliver_once()
    time.sleep(0.08)  # the test settings back off 10-50 ms
    worker.deliver_once()
    after = scrape(server)
    for outcome in ("retry", "sent"):
        labels = {"channel": "line", "outcome": outcome}
        assert value(after, "bot_delivery_attempts_total", **labels) - value(before, "bot_delivery_attempts_total", **labels) == 1


@pytest.fixture
def open_runtime(db_url: str, tmp_path: Path, standin: LineStandin) -> Iterator[Runtime]:
    """Default access: no token, loopback addresses only; plus 10.1.0.0/16 for one case."""
    runtime = build_runtime(make_settings(db_url, tmp_path, standin.url, BOT_METRICS_ALLOW_FROM="127.0.0.1,::1,10.1.0.0/16"))
    yield runtime
    runtime.close()


def test_without_a_token_only_allowed_addresses_read_metrics(open_runtime):
    client = create_app(runtime=open_runtime).test_client()
    for address, status in (("127.0.0.1", 200), ("::1", 200), ("10.1.2.3", 200), ("10.0.0.5", 403), ("192.0.2.7", 403)):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == status, address
    # Without a configured token, no token is right, even from an allowed address.
    assert client.get("/metrics", headers={"Authorization": "Bearer anything-at-all-1234"},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 401


def test_the_default_settings_allow_loopback_only_and_two_apps_do_not_collide(open_runtime):
    defaults = load_settings(environ={"BOT_APP_ENV": "test"})
    assert defaults.metrics.allow_from == ("127.0.0.1", "::1") and defaults.metrics.token == ""
    first, second = create_app(runtime=open_runtime), create_app(runtime=open_runtime)
    for app in (first, second):
        assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


def test_metrics_settings_are_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"metrics.allow_from\[1\]"):
        load_settings(environ={"BOT_APP_ENV": "test", "BOT_METRICS_ALLOW_FROM": "127.0.0.1,not-an-address"})
    with pytest.raises(ConfigError, match="metrics.token: use at least 16"):
        load_settings(environ={"BOT_APP_ENV": "test", "BOT_METRICS_TOKEN": "short"})
    config = tmp_path / "config.toml"
    config.write_text(f'[metrics]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"metrics.token: secrets must come from the environment \(BOT_METRICS_TOKEN\)"):
        load_settings(config, environ={"BOT_APP_ENV": "production"})
