"""One bad LINE event never costs the others: a webhook body carries many customers'
events, and one that is malformed (a NUL or lone surrogate in an id, a timestamp of 1e20, NaN or
Infinity, an integer of 5,000 digits, a number where an id belongs, an id longer than its column,
deep nesting) is stored as rejected with its reason, while its neighbours are stored, handled and
answered, and the body is answered 200 so LINE does not redeliver it forever. Run on SQLite and
PostgreSQL, so whatever reaches the database is valid there. Telegram's twin is in
tests/channels/test_telegram_webhook.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.devtools.chat import line_event
from channels.line.adapter import sign
from models import InboxEvent, Message
from tests.chat import texts
from tests.conftest import CHANNEL_SECRET

OTHER_USER = "Ufedcba9876543210fedcba9876543210"
GOOD_QUESTION = "營業時間"


def bad(**changes: str) -> str:
    """A real-shaped text event as JSON text, with raw JSON spliced in where `changes` say.

    Raw text, not `json.dumps`, because NaN, 1e20 as written, 5,000-digit integers and "\\ud800"
    escapes are exactly what a Python dict cannot faithfully carry into a body."""
    event = line_event("message", "Ubadbadbadbadbadbadbadbadbadbad00", text="hello")
    for key in changes:
        path = key.split("__")
        holder = event
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = f"@@{key}@@"
    text = json.dumps(event)
    for key, raw in changes.items():
        text = text.replace(f'"@@{key}@@"', raw)
    return text


# Each class of malformed event, and the words its recorded reason must contain.
BAD_EVENTS = {
    "NUL in the user id": (bad(source__userId=r'"Uabc\u0000def"'), "contains NUL"),
    "NUL in the message id": (bad(message__id=r'"5539\u0000201"'), "message_id contains NUL"),
    "NUL in the event id": (bad(webhookEventId=r'"01JNQ\u0000X"'), "webhookEventId is not a string"),
    "an event id of 300 characters": (bad(webhookEventId=json.dumps("E" * 300)), "webhookEventId is not a string"),
    "lone surrogate in the user id": (bad(source__userId=r'"U\ud800abc"'), "unpaired surrogate"),
    "timestamp 1e20": (bad(timestamp="1e20"), "timestamp is outside"),
    "timestamp of 21 digits": (bad(timestamp="100000000000000000000"), "integer of 21 digits"),
    "timestamp NaN": (bad(timestamp="NaN"), "number NaN"),
    "timestamp Infinity": (bad(timestamp="Infinity"), "number Infinity"),
    "timestamp -Infinity": (bad(timestamp="-Infinity"), "number -Infinity"),
    "timestamp a string": (bad(timestamp='"1772503201000"'), "no timestamp"),
    "timestamp a boolean": (bad(timestamp="true"), "no timestamp"),
    "timestamp negative": (bad(timestamp="-5"), "timestamp is outside"),
    "a float beyond double": (bad(message__text="1e400"), "number 1e400 out of range"),
    "an integer of 5000 digits": (bad(message__id="9" * 5000), "integer of 5000 digits"),
    "a userId that is a number": (bad(source__userId="1234567890"), "source.userId is not a string"),
    "a groupId that is an object": (bad(source__groupId='{"id": 1}'), "source.groupId is not a string"),
    "a userId of 300 characters": (bad(source__userId=json.dumps("U" * 300)), "longer than 200 characters"),
    "a message id of 300 characters": (bad(message__id=json.dumps("1" * 300)), "message_id is longer than 100"),
    "a message id that is a number": (bad(message__id="553920118361071616"), "message_id is not a string"),
    "a reply token of 300 characters": (bad(replyToken=json.dumps("r" * 300)), "reply_handle is longer than 200"),
    "a reply token that is a number": (bad(replyToken="12"), "reply_handle is not a string"),
    "source a list": (bad(source='["user"]'), "source is not an object"),
    "message a string": (bad(message='"hello"'), "message is not an object"),
    "deliveryContext a number": (bad(deliveryContext="7"), "deliveryContext is not an object"),
    "nested 500 deep": (bad(message__text="[" * 500 + "]" * 500), "nested deeper than 16 levels"),
    "not an object": ("42", "event is not an object"),
    "null": ("null", "event is not an object"),
}


def post_body(chat, events_json: list[str]):
    body = ('{"destination": "Ubot", "events": [' + ", ".join(events_json) + "]}").encode()
    return chat.post_raw(body, sign(CHANNEL_SECRET, body))


def good_event(user: str) -> str:
    return json.dumps(line_event("message", user, text=GOOD_QUESTION), ensure_ascii=False)


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_one_bad_event_is_rejected_alone_and_the_others_are_answered(chat, db, case):
    bad_json, reason = BAD_EVENTS[case]
    response = post_body(chat, [good_event(chat.user), bad_json, good_event(OTHER_USER)])
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 3, "stored": 3, "rejected": 1}

    deliveries = chat.replies()
    assert len(deliveries) == 2 and all(GOOD_QUESTION in text for text in texts(deliveries))
    rows = db.all(select(InboxEvent).order_by(InboxEvent.id))
    assert [row.status for row in rows] == ["done", "rejected", "done"]
    rejected = rows[1]
    assert reason in rejected.error and rejected.error.startswith("malformed event: ")
    assert rejected.attempts == 0 and rejected.processed_at is None  # the worker never took it
    assert "rejected" in rejected.payload["payload"]

    # LINE's redelivery of the same body stores nothing new: the rejected event is keyed too.
    again = post_body(chat, [bad_json])
    assert again.status_code == 200 and again.json() == {"received": 1, "stored": 0, "rejected": 1}
    assert len(db.all(select(InboxEvent).where(InboxEvent.status == "rejected"))) == 1


def test_the_record_of_a_rejected_event_is_cleaned_and_bounded(chat, db):
    huge = bad(source__userId=r'"U\u0000' + "x" * 3000 + '"', message__text=r'"\udc80 and \u0000"')
    assert post_body(chat, [huge]).status_code == 200
    row = db.scalar(select(InboxEvent))
    kept = row.payload["payload"]["rejected"]
    assert kept["source"]["userId"].startswith("Uxxx") and len(kept["source"]["userId"]) <= 501
    assert kept["message"]["text"] == "\ufffd and "
    assert row.lane_key == "line:"  # an unusable id never becomes a lane


@pytest.mark.parametrize(("text", "stored"), [
    ("營業\u0000時間", "營業時間"),
    ("營業時間\ud800", "營業時間\ufffd"),
    ("\udcff營業時間", "\ufffd營業時間"),
])
def test_nul_and_lone_surrogates_in_text_are_cleaned_and_the_customer_answered(chat, db, text, stored):
    event = line_event("message", chat.user, text="@@text@@")
    body = json.dumps({"events": [event]}).replace('"@@text@@"', json.dumps(text)).encode()  # "\u0000" escapes
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 200 and response.json() == {"received": 1, "stored": 1}
    assert GOOD_QUESTION in texts(chat.replies())[0]
    assert db.scalar(select(Message.text).where(Message.direction == "in")) == stored
    payload = db.scalar(select(InboxEvent.payload))
    assert payload["text"] == stored


def test_nul_in_postback_data_and_payload_keys_is_cleaned(chat, db):
    event = line_event("postback", chat.user, postback="faq:0", params={"date": "2026-03-10"})
    body = json.dumps({"events": [event]}).replace('"faq:0"', r'"faq:\u00000"').replace('"date"', r'"da\u0000te"')
    response = chat.post_raw(body.encode(), sign(CHANNEL_SECRET, body.encode()))
    assert response.status_code == 200 and "rejected" not in response.json()
    chat.replies()
    payload = db.scalar(select(InboxEvent.payload))["payload"]
    assert payload == {"data": "faq:0", "params": {"date": "2026-03-10"}}


def test_a_body_nested_100000_deep_is_400_never_500(chat, db):
    deep = "[" * 100_000 + "]" * 100_000
    response = post_body(chat, [good_event(chat.user), deep])
    assert response.status_code == 400 and "nested too deeply" in response.json()["error"]
    assert db.all(select(InboxEvent)) == []
