"""`[metrics] worker_port`: a real `python -m bot worker` process exports the deliveries it made, under
the same access rule as the web's `/metrics`; and the setting is checked at start-up."""

from __future__ import annotations

import re
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot import pipeline
from bot.config import ConfigError, load_settings
from bot.events import Outbound
from models import OutboxMessage
from models.db import make_engine, make_session_factory
from tests.cli.test_cli import start_bot, stop
from tests.conftest import service_environ
from tests.pg import free_port

TOKEN = "worker-metrics-token-52c8e1a90d"


def wait_serving(url: str, process, timeout: float = 30) -> None:
    """Like test_cli's wait_healthy, for an endpoint with no /healthz: wait until /metrics answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited early: {process.stderr.read()}")
        try:
            requests.get(url, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    pytest.fail(f"{url} never answered")


def sent_attempts(text: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "bot_delivery_attempts_total" and sample.labels == {"channel": "line", "outcome": "sent"})


def test_a_worker_serves_its_delivery_counts_with_the_same_access_rule(db_url, tmp_path, standin):
    port = free_port()
    env = service_environ(db_url, tmp_path, standin.url, BOT_METRICS_TOKEN=TOKEN, BOT_METRICS_ALLOW_FROM="127.0.0.1",
                          BOT_METRICS_WORKER_PORT=str(port))
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    process = start_bot("worker", env=env)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_serving(url, process)
        with sessions.begin() as session:
            [row] = pipeline.enqueue(session, "line", "Uworkermetrics", [Outbound("from the worker")])
            row_id = row.id
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not standin.messages_for("Uworkermetrics"):
            time.sleep(0.1)
        assert standin.messages_for("Uworkermetrics"), "the worker never delivered"
        with sessions() as session:
            assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row_id)) == "sent"

        with_token = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert with_token.status_code == 200 and with_token.headers["Content-Type"].startswith("text/plain; version=")
        assert sent_attempts(with_token.text) == 1
        assert 'bot_outbox_messages{status="sent"} 1.0' in with_token.text  # the database counts too

        from_allowed_address = requests.get(url, timeout=10)  # no token, from 127.0.0.1
        assert from_allowed_address.status_code == 200 and sent_attempts(from_allowed_address.text) == 1

        wrong = requests.get(url, headers={"Authorization": "Bearer wrong-token-000000000000"}, timeout=10)
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
        assert "bot_delivery_attempts" not in wrong.text
        assert requests.get(f"http://127.0.0.1:{port}/other", timeout=10).status_code == 404
    finally:
        stop(process)
        engine.dispose()
    assert process.returncode == 0, process.stderr.read()
    with pytest.raises(requests.ConnectionError):  # the metrics server stopped with the worker
        requests.get(url, timeout=2)


def test_a_worker_whose_metrics_port_is_taken_says_so_and_stops(db_url, tmp_path, standin):
    first = start_bot("worker", env=service_environ(db_url, tmp_path, standin.url, BOT_METRICS_WORKER_PORT=str(port := free_port())))
    try:
        wait_serving(f"http://127.0.0.1:{port}/metrics", first)
        second = start_bot("worker", env=service_environ(db_url, tmp_path, standin.url, BOT_METRICS_WORKER_PORT=str(port)))
        assert second.wait(30) == 1
        assert f"cannot serve metrics on 127.0.0.1:{port}" in second.stderr.read()
    finally:
        stop(first)


@pytest.mark.parametrize(("value", "message"), [("-1", "must be 0 (off)"), ("65536", "must be 0 (off)"),
                                                ("8000", "must differ from web.port")])
def test_a_bad_worker_port_stops_start_up_naming_the_key(value, message):
    with pytest.raises(ConfigError, match=re.escape(f"metrics.worker_port: {message}")):
        load_settings(environ={"BOT_APP_ENV": "test", "BOT_METRICS_WORKER_PORT": value})


def test_the_worker_port_is_off_by_default():
    assert load_settings(environ={"BOT_APP_ENV": "test"}).metrics.worker_port == 0
