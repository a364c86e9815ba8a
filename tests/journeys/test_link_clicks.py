"""Tracked links in journey messages: the URL is sent as a signed short link on our web tier, the
click (over real HTTP, through the Flask app) is recorded once and redirects to the URL the
message held, a tampered or made-up token gets a 404 page (never a redirect), and a journey's
condition branches on the click."""

from __future__ import annotations

import http.client
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from bot.crm.journeys.definition import validate_journey
from bot.marketing.journey_results import journey_stats
from models import Journey, utcnow
from tests.conftest import make_settings
from tests.journeys.helpers import customer, enrollment, journey, message, texts, tick

SALE = "https://books.example/sale?tag=%E6%9B%B8&x=1"
LINK = re.compile(r"https://shop\.example/l/([A-Za-z0-9_.-]*[A-Za-z0-9_-])")


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, BOT_WEB_PUBLIC_URL="https://shop.example/")


def get(server: str, path: str) -> http.client.HTTPResponse:
    """One GET that does not follow redirects (the Location is what we check)."""
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def clicked_journey(runtime, channel: str) -> int:
    """promo (with a link) -> wait for a click, a day at most -> clicked? thanks : reminder."""
    return journey(runtime, {"name": f"links {channel}", "steps": [
        message("promo", "Hi {name}, the sale: " + SALE + ". Also https://books.example/new", channel=channel),
        {"id": "wait_click", "kind": "wait", "event": "link_clicked", "timeout_hours": 24},
        {"id": "did_click", "kind": "condition", "if": {"clicked": "promo"},
         "yes": [message("thanks", "thanks for looking")], "no": [message("reminder", "the sale ends soon")]}]},
        now=utcnow())


@pytest.mark.parametrize("channel", ["preferred", "line"])  # the set-based path and the one-by-one path
def test_a_click_redirects_is_counted_once_and_the_condition_branches_on_it(runtime, server, channel):
    from bot.crm.journeys.enrollment import enroll

    jid = clicked_journey(runtime, channel)
    clicker, silent = customer(runtime, "Uclick", display_name="Ann http://evil.example"), customer(runtime, "Usilent")
    start = utcnow()
    with runtime.sessions.begin() as session:
        for who in (clicker, silent):
            enroll(session, session.get(Journey, jid), who, start)
    tick(runtime, start)
    sent = texts(runtime, clicker)[0]
    assert SALE not in sent and "books.example" not in sent
    assert "Ann http://evil.example" in sent  # a URL in a customer's field is not ours to track
    tokens = LINK.findall(sent)
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert texts(runtime, silent)[0] != sent  # each customer's links name their own entry

    first = get(server, f"/l/{tokens[0]}")
    assert first.status == 302 and first.getheader("Location") == SALE
    assert get(server, f"/l/{tokens[1]}").getheader("Location") == "https://books.example/new"
    assert get(server, f"/l/{tokens[0]}?next=https://evil.example").getheader("Location") == SALE
    assert enrollment(runtime, clicker, jid).due_at is not None

    tick(runtime, utcnow())  # the click woke the clicker; the silent one still waits
    assert texts(runtime, clicker)[1:] == ["thanks for looking"]
    assert texts(runtime, silent)[1:] == []
    tick(runtime, utcnow() + timedelta(hours=25))
    assert texts(runtime, silent)[1:] == ["the sale ends soon"]
    with runtime.sessions() as session:
        promo = next(s for s in journey_stats(session, session.get(Journey, jid)).steps if s.step_id == "promo")
    assert promo.clicked == 1  # three clicks by one customer on one message: one message clicked


def test_tampered_made_up_and_odd_tokens_get_a_404_page_never_a_redirect(runtime, server):
    jid = clicked_journey(runtime, "preferred")
    who = customer(runtime, "Utamper")
    from bot.crm.journeys.enrollment import enroll

    with runtime.sessions.begin() as session:
        enroll(session, session.get(Journey, jid), who, utcnow())
    tick(runtime, utcnow())
    token = LINK.findall(texts(runtime, who)[0])[0]
    entry = enrollment(runtime, who, jid).id
    forged_elsewhere = URLSafeSerializer("another-secret", salt="journey-link").dumps([entry, "promo", "zh-TW", 0])
    ours = URLSafeSerializer(runtime.settings.web.secret_key or "development-only-link-key", salt="journey-link")
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged_elsewhere,
                ours.dumps([entry, "promo", "zh-TW", 7]),  # signed, but no 8th link in that message
                ours.dumps([entry, "reminder", "zh-TW", 0]),  # a step without links
                ours.dumps([entry + 999, "promo", "zh-TW", 0]), ours.dumps({"url": "https://evil.example"}),
                "%00", "x" * 5000, "%E6%9B%B8"):
        response = get(server, f"/l/{bad}")
        assert response.status == 404 and response.getheader("Location") is None, bad
    with runtime.sessions() as session:
        assert journey_stats(session, session.get(Journey, jid)).steps[0].clicked == 0
    assert enrollment(runtime, who, jid).context.get("events") in (None, [])


def test_without_a_public_url_links_go_out_as_written(runtime, tmp_path, db_url, standin):
    plain = make_settings(db_url, tmp_path, standin.url)
    jid = clicked_journey(runtime, "preferred")
    who = customer(runtime, "Uplain")
    from bot.crm.journeys.enrollment import enroll

    with runtime.sessions.begin() as session:
        enroll(session, session.get(Journey, jid), who, utcnow())
    tick(runtime, utcnow(), plain)
    assert SALE in texts(runtime, who)[0]


def test_the_clicked_condition_is_validated():
    base = {"name": "n", "trigger": {"kind": "follow"}}
    step = {"id": "c", "kind": "condition", "yes": [], "no": []}
    assert validate_journey({**base, "steps": [{**step, "if": {"clicked": True}}]}) == []
    assert validate_journey({**base, "steps": [{**step, "if": {"clicked": "promo"}}]}) == []
    assert validate_journey({**base, "steps": [{**step, "if": {"clicked": "no\x00pe"}}]}) == [
        "step 'c' (condition): if.clicked: true (a link in any message of the journey) or the id of a message step"]
