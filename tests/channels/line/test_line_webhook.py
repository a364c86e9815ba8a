"""The LINE webhook: every bad input gets its specific answer and nothing is stored;
real-shaped bodies are stored once and normalised right: our own body with an event of every kind
(tests/fixtures/line_webhook_all_kinds.json), and the SDK's own test body when it is beside the
project (../shared/peer-data/; skipped with the reason when it is not)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from linebot.v3 import WebhookParser
from sqlalchemy import func, select

from bot.devtools.chat import line_event
from channels.line.adapter import sign
from channels.line.events import normalise
from models import InboxEvent, Message, OutboxMessage
from tests.chat import texts
from tests.conftest import CHANNEL_SECRET

PEER_BODY = Path(__file__).resolve().parents[4] / "shared" / "peer-data" / "line-bot-sdk-python.webhook.json"
OWN_BODY = Path(__file__).resolve().parents[2] / "fixtures" / "line_webhook_all_kinds.json"
LINE_TYPE_TO_KIND = {
    "message/text": "text", "message/image": "image", "message/video": "attachment", "message/audio": "attachment",
    "message/file": "attachment", "message/location": "location", "message/sticker": "sticker", "follow": "follow",
    "unfollow": "unfollow", "join": "join", "leave": "leave", "memberJoined": "member_joined",
    "memberLeft": "member_left", "postback": "postback", "unsend": "unsend",
}
SDK_TYPE_TO_KIND = {
    "TextMessageContent": "text", "ImageMessageContent": "image", "VideoMessageContent": "attachment",
    "AudioMessageContent": "attachment", "FileMessageContent": "attachment", "LocationMessageContent": "location",
    "StickerMessageContent": "sticker", "FollowEvent": "follow", "UnfollowEvent": "unfollow", "JoinEvent": "join",
    "LeaveEvent": "leave", "PostbackEvent": "postback", "MemberJoinedEvent": "member_joined",
    "MemberLeftEvent": "member_left", "UnsendEvent": "unsend",
}


def peer_body() -> bytes:
    if not PEER_BODY.exists():
        pytest.skip(f"the SDK's webhook body is not beside the project ({PEER_BODY}); "
                    "tests/fixtures/line_webhook_all_kinds.json covers every kind without it")
    return PEER_BODY.read_bytes()


def own_body() -> bytes:
    return OWN_BODY.read_bytes()


BODIES = {"own": own_body, "sdk": peer_body}


def line_type(event: dict) -> str:
    return f"message/{event['message']['type']}" if event["type"] == "message" else event["type"]


def inbox_count(db) -> int:
    return db.scalar(select(func.count()).select_from(InboxEvent))


def test_missing_signature_is_refused_and_nothing_stored(chat, db):
    body = json.dumps({"events": [line_event("message", chat.user, text="hi")]}).encode()
    response = chat.post_raw(body, None)
    assert response.status_code == 400 and "missing X-Line-Signature" in response.json()["error"]
    assert inbox_count(db) == 0


def test_wrong_signature_is_refused_and_nothing_stored(chat, db):
    response = chat.post([line_event("message", chat.user, text="hi")], secret="not-the-secret")
    assert response.status_code == 400 and "invalid X-Line-Signature" in response.json()["error"]
    body = json.dumps({"events": [line_event("message", chat.user, text="hi")]}).encode()
    assert chat.post_raw(body, sign(CHANNEL_SECRET, body + b" ")).status_code == 400
    assert inbox_count(db) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"events": {}}', "\xff".encode("latin-1"),
                                  b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_signed_but_malformed_body_is_400(chat, db, body):
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 400 and response.json()["error"]
    assert inbox_count(db) == 0


def test_a_malformed_event_is_stored_rejected_and_the_body_answered_200(chat, db):
    body = b'{"events": [{"type": "message"}]}'
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 200 and response.json() == {"received": 1, "stored": 1, "rejected": 1}
    row = db.scalar(select(InboxEvent))
    assert (row.status, row.error) == ("rejected", "malformed event: event has no timestamp")
    assert row.payload["payload"]["rejected"] == {"type": "message"}
    assert chat.post_raw(body, sign(CHANNEL_SECRET, body)).json()["stored"] == 0  # a redelivery: once
    assert chat.replies() == []


def test_oversize_body_is_413(chat, db):
    body = json.dumps({"events": [], "pad": "x" * (1024 * 1024)}).encode()
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 413
    assert inbox_count(db) == 0


def test_verify_call_with_no_events_is_200(chat, db):
    assert chat.post([]).status_code == 200
    assert inbox_count(db) == 0


def test_unknown_event_type_is_acknowledged_stored_and_ignored(chat, db):
    event = line_event("message", chat.user, text="x")
    event.pop("message")
    event.update(type="somethingNew", somethingNew={"a": 1})
    assert chat.post([event]).status_code == 200
    assert chat.replies() == []
    row = db.scalar(select(InboxEvent))
    assert (row.kind, row.status, row.payload["payload"]["type"]) == ("unknown", "ignored", "somethingNew")


def test_standby_mode_is_recorded_but_not_answered(chat, db):
    event = line_event("message", chat.user, text="營業時間")
    event["mode"] = "standby"
    assert chat.post([event]).status_code == 200
    assert chat.replies() == []
    assert db.scalar(select(Message.text)) == "營業時間"
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_redelivered_event_is_processed_once(chat, db):
    event = line_event("message", chat.user, text="營業時間")
    assert chat.post([event]).status_code == 200
    assert len(chat.replies()) == 1
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    again["replyToken"] = "another-token"
    for _ in range(2):
        response = chat.post([again, event])
        assert response.status_code == 200 and response.json()["stored"] == 0
    assert chat.replies() == []
    assert inbox_count(db) == 1


def test_unsend_blanks_the_message_in_our_history(chat, db):
    event = line_event("message", chat.user, text="my secret address")
    chat.post([event])
    chat.replies()
    unsend = line_event("message", chat.user)
    unsend.pop("message")
    unsend.update(type="unsend", unsend={"messageId": event["message"]["id"]})
    chat.post([unsend])
    assert chat.replies() == []
    message = db.scalar(select(Message).where(Message.platform_message_id == event["message"]["id"]))
    assert message.text is None and message.unsent_at is not None


def test_group_join_greets_and_group_chatter_is_left_alone(chat):
    join = line_event("message", chat.user)
    join.pop("message")
    join.update(type="join", source={"type": "group", "groupId": "Cgroup0001"})
    chat.post([join])
    assert texts(chat.replies()) == ["大家好，我是青田書店的小幫手。"]
    chatter = line_event("message", chat.user, text="晚餐吃什麼")
    chatter["source"] = {"type": "group", "groupId": "Cgroup0001", "userId": chat.user}
    chat.post([chatter])
    assert chat.replies() == []
    question = line_event("message", chat.user, text="營業時間")
    question["source"] = {"type": "group", "groupId": "Cgroup0001", "userId": chat.user}
    chat.post([question])
    assert "營業時間" in texts(chat.replies())[0]


def test_an_event_of_every_kind_is_accepted_stored_once_and_handled(chat, db):
    body = own_body()
    events = json.loads(body)["events"]
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 200
    assert response.json() == {"received": len(events), "stored": len(events) - 1}  # the last is a redelivery
    rows = {row.event_id: row for row in db.all(select(InboxEvent))}
    for event in events:
        ours = normalise(event)
        assert ours.kind == LINE_TYPE_TO_KIND.get(line_type(event), "unknown"), event
        assert rows[ours.event_id].status == ("ignored" if ours.kind == "unknown" else "pending")
        assert ours.chat_type == event["source"]["type"]
        assert ours.standby == (event["mode"] == "standby")
        assert ours.redelivery == event["deliveryContext"]["isRedelivery"]
    assert {line_type(e) for e in events} >= set(LINE_TYPE_TO_KIND) | {
        "beacon", "accountLink", "things", "videoPlayComplete", "module", "activated", "deactivated", "membership"}
    pickers = [normalise(e).payload["params"] for e in events if e["type"] == "postback" and e["postback"].get("params")]
    assert {"date", "time", "datetime"} <= {key for params in pickers for key in params}
    chat.replies()  # the worker handles all of it without a failure
    statuses = {row.status for row in db.all(select(InboxEvent))}
    assert statuses <= {"done", "ignored"}, statuses
    assert chat.post_raw(body, sign(CHANNEL_SECRET, body)).json()["stored"] == 0  # once only


def test_the_sdk_test_body_is_accepted_and_every_event_stored(chat, db):
    body = peer_body()
    events = json.loads(body)["events"]
    response = chat.post_raw(body, sign(CHANNEL_SECRET, body))
    assert response.status_code == 200
    # The body repeats its first event as a redelivery (isRedelivery: true): stored once.
    redelivery = next(e for e in events if e["deliveryContext"]["isRedelivery"] and e.get("message") == events[0]["message"])
    assert redelivery is not events[0]
    assert response.json() == {"received": len(events), "stored": len(events) - 1}
    kinds = {row.kind for row in db.all(select(InboxEvent))}
    assert {"text", "image", "attachment", "location", "sticker", "follow", "unfollow", "join", "leave", "postback",
            "member_joined", "member_left", "unsend", "unknown"} <= kinds
    chat.replies()  # the worker handles all of it without a failure
    assert db.scalar(select(func.count()).where(InboxEvent.status == "failed")) == 0
    assert chat.post_raw(body, sign(CHANNEL_SECRET, body)).json()["stored"] == 0  # once only


@pytest.mark.parametrize("source", sorted(BODIES))
def test_normalisation_agrees_with_the_sdks_own_parser(source):
    body = BODIES[source]().decode()
    parsed = WebhookParser(CHANNEL_SECRET).parse(body, sign(CHANNEL_SECRET, body.encode()))
    raw = json.loads(body)["events"]
    assert len(parsed) == len(raw)
    for sdk_event, event in zip(parsed, raw, strict=True):
        ours = normalise(event)
        is_message = type(sdk_event).__name__ == "MessageEvent"
        sdk_name = type(sdk_event.message if is_message else sdk_event).__name__
        if sdk_name in SDK_TYPE_TO_KIND:
            assert ours.kind == SDK_TYPE_TO_KIND[sdk_name], (sdk_name, event)
        else:
            assert ours.kind == "unknown", (sdk_name, event)
        if sdk_name != "UnknownEvent":  # the SDK keeps no reply token on a type it does not know
            assert ours.reply_handle == getattr(sdk_event, "reply_token", None)
        if ours.kind == "text":
            assert ours.text == sdk_event.message.text
        if ours.kind == "postback":
            assert ours.payload["data"] == sdk_event.postback.data
            if sdk_event.postback.params:
                assert set(ours.payload["params"]) == set(event["postback"]["params"])
        if ours.kind == "follow":
            assert ours.payload["unblocked"] == bool(sdk_event.follow.is_unblocked)
