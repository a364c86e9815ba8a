"""The Telegram webhook: every bad input gets its specific answer and nothing is stored; real-shaped
Updates are parsed by python-telegram-bot's own `Update.de_json`, stored once per update_id, and
answered through the real client and the stand-in."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from bot.devtools.chat_telegram import callback_update, membership_update, telegram_message, telegram_update, text_update
from models import ChannelIdentity, Consent, Conversation, Customer, InboxEvent
from tests.channels.telegram_chat import inline_data, texts


def inbox_count(db) -> int:
    return db.scalar(select(func.count()).select_from(InboxEvent))


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "test-webhook-secret_012345678"])
def test_missing_or_wrong_secret_is_403_and_nothing_stored(tg, db, secret):
    response = tg.post(text_update(tg.user, "hi"), secret=secret)
    assert response.status_code == 403 and "X-Telegram-Bot-Api-Secret-Token" in response.json()["error"]
    assert inbox_count(db) == 0


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b'{"update_id": 1}', "text/plain", "content type must be application/json"),
    (b"{not json", "application/json", "not valid JSON"),
    (b"[1, 2]", "application/json", "no integer update_id"),
    (b'{"update_id": "7"}', "application/json", "no integer update_id"),
    (b'{"update_id": -1}', "application/json", "no integer update_id"),
    (b'{"update_id": ' + b"9" * 5000 + b"}", "application/json", "no integer update_id"),
    ("\xff".encode("latin-1"), "application/json", "not valid JSON"),
    (b'{"update_id": 9, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json", "nested too deeply"),
])
def test_malformed_bodies_are_400_with_the_reason(tg, db, body, content_type, reason):
    response = requests.post(tg.url, data=body, timeout=5,
                             headers={"Content-Type": content_type, "X-Telegram-Bot-Api-Secret-Token": tg.secret})
    assert response.status_code == 400 and reason in response.json()["error"]
    assert inbox_count(db) == 0


def test_a_malformed_update_with_an_update_id_is_stored_rejected_and_answered_200(tg, db):
    body = b'{"update_id": 8, "message": {"message_id": 1}}'
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": tg.secret}
    response = requests.post(tg.url, data=body, timeout=5, headers=headers)
    assert response.status_code == 200 and response.json() == {"received": 1, "stored": 1, "rejected": 1}
    row = db.scalar(select(InboxEvent))
    assert (row.event_id, row.status) == ("8", "rejected") and row.error.startswith("malformed update: ")
    assert row.payload["payload"]["rejected"] == {"update_id": 8, "message": {"message_id": 1}}
    assert requests.post(tg.url, data=body, timeout=5, headers=headers).json()["stored"] == 0  # redelivered: once
    assert tg.replies() == []


def test_oversize_body_is_413(tg, db):
    update = text_update(tg.user, "x" * (1024 * 1024))
    assert tg.post(update).status_code == 413
    assert inbox_count(db) == 0


def test_a_redelivered_update_is_stored_and_answered_once(tg, db):
    update = text_update(tg.user, "營業時間")
    assert tg.post(update).json() == {"received": 1, "stored": 1}
    assert tg.post(update).json() == {"received": 1, "stored": 0}
    assert len(tg.replies()) == 1
    assert db.scalar(select(InboxEvent.event_id)) == str(update["update_id"])


def test_start_with_a_referral_greets_and_records_the_source_once(tg, db):
    replies = tg.say("/start ref_MEI20245")  # no such referral code: greeted, nothing recorded (as if typed)
    assert "歡迎加入青田書店" in replies[0] and "9 折券" in replies[0]
    assert db.scalar(select(Customer.lead_source)) is None
    tg.say("/start src_poster")
    assert db.scalar(select(Customer.lead_source)) == "campaign:poster"
    tg.say("/start src_other")  # a later link does not rewrite where the lead came from
    assert db.scalar(select(Customer.lead_source)) == "campaign:poster"


@pytest.mark.parametrize("payload", ["evil_x", "ref_" + "a" * 61, "ref_a b", "ref_<script>"])
def test_a_start_payload_that_is_not_ours_is_never_recorded(tg, db, payload):
    assert "歡迎加入" in tg.say(f"/start {payload}")[0]
    assert db.scalar(select(Customer.lead_source)) is None
    assert db.scalar(select(InboxEvent.payload))["payload"]["start_rejected"] is True


def test_stop_opts_out_of_marketing_and_says_so(tg, db):
    tg.say("/start")
    replies = tg.say("/stop")
    assert replies == ["已為您取消行銷訊息，之後不會再收到優惠通知。您仍可隨時傳訊息給我們。"]
    consent = db.scalar(select(Consent).where(Consent.channel == "telegram", Consent.purpose == "marketing"))
    assert consent.granted is False and consent.source == "telegram:opt_out"


def test_help_shows_the_menu_as_an_inline_keyboard(tg):
    [delivery] = tg.send(text_update(tg.user, "/help"))
    assert delivery["text"].startswith("我可以回答營業時間")
    assert {"faq:0", "faq:1", "lang:en"} <= set(inline_data(delivery))


def test_a_button_press_is_answered_in_the_webhook_response_and_handled(tg):
    update = callback_update(tg.user, "faq:1")
    response = tg.post(update)
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": update["callback_query"]["id"]}
    assert "地址：台北市大安區" in texts(tg.replies())[0]


@pytest.mark.parametrize("data", ["faq:99", "x" * 65, "lang:\u0000"])
def test_callback_data_is_never_trusted(tg, data):
    update = callback_update(tg.user, data)
    assert tg.post(update).json()["method"] == "answerCallbackQuery"  # the spinner stops all the same
    assert "不太懂" in texts(tg.replies())[0]


def test_own_contact_is_saved_as_the_phone_and_someone_elses_is_not(tg, db):
    other = {"phone_number": "886911111111", "first_name": "Friend", "user_id": 99}
    [refused] = tg.send(telegram_update(message=telegram_message(tg.user, contact=other)))
    assert "只能分享您自己的聯絡資料" in refused["text"]
    assert refused["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert db.scalar(select(Customer.phone)) is None
    own = {"phone_number": "886912345678", "first_name": "Mei", "user_id": tg.user}
    [saved] = tg.send(telegram_update(message=telegram_message(tg.user, contact=own)))
    assert saved["text"] == "已收到您的手機號碼，謝謝！"
    assert saved["reply_markup"] == {"remove_keyboard": True}  # the phone keyboard goes away
    assert db.scalar(select(Customer.phone)) == "+886912345678"


@pytest.mark.parametrize("content", [
    {"location": {"latitude": 25.03, "longitude": 121.53}},
    {"photo": [{"file_id": "s", "file_unique_id": "s1", "width": 90, "height": 90},
               {"file_id": "b", "file_unique_id": "b1", "width": 1280, "height": 960, "file_size": 90000}]},
    {"document": {"file_id": "d", "file_unique_id": "d1", "file_name": "receipt.pdf", "mime_type": "application/pdf"}},
])
def test_locations_photos_and_documents_are_acknowledged(tg, db, content):
    assert tg.send(telegram_update(message=telegram_message(tg.user, **content)))[0]["text"] == "已收到您的檔案，謝謝！"
    stored = db.scalar(select(InboxEvent.payload))
    if "photo" in content:
        assert stored["kind"] == "image" and stored["payload"]["file_id"] == "b"  # the largest size
    if "document" in content:
        assert stored["kind"] == "attachment" and stored["payload"]["file_name"] == "receipt.pdf"


def test_blocking_the_bot_marks_unreachable_and_opted_out_and_start_restores(tg, db):
    tg.say("/start")
    assert tg.send(membership_update(tg.user, "kicked")) == []
    identity = db.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == "telegram"))
    assert identity.reachable is False and identity.unreachable_reason == "telegram:unfollow"
    assert db.scalar(select(Consent.granted).where(Consent.purpose == "marketing")) is False
    # Unblocking sends `member` (ignored) and then /start, which greets once and restores reachability.
    assert tg.send(membership_update(tg.user, "member", old_status="kicked")) == []
    assert len(tg.say("/start")) == 1
    assert db.scalar(select(ChannelIdentity.reachable)) is True


def test_group_join_greets_and_a_migration_moves_the_conversation(tg, db):
    group = -4001
    [hello] = tg.send(membership_update(tg.user, "member", chat_id=group, chat_type="group", old_status="left"))
    assert hello["chat_id"] == str(group) and "小幫手" in hello["text"]
    migrate = telegram_message(tg.user, chat_id=group, chat_type="group", migrate_to_chat_id=-1004001)
    assert tg.send(telegram_update(message=migrate)) == []
    addresses = db.all(select(Conversation.address).where(Conversation.kind == "group"))
    assert addresses == ["-1004001"]


def test_updates_we_do_not_handle_are_acknowledged_and_ignored(tg, db):
    edited = telegram_update(edited_message=telegram_message(tg.user, text="typo fixed", edit_date=1))
    assert tg.post(edited).status_code == 200
    assert db.scalar(select(InboxEvent.status)) == "ignored"
    assert tg.replies() == []


def test_the_webhook_body_is_the_bot_apis_own_json(tg, db):
    """The update is stored as our normalised event, never as the SDK's objects."""
    tg.post(text_update(tg.user, "hello"))
    stored = db.scalar(select(InboxEvent.payload))
    assert json.loads(json.dumps(stored))["chat_id"] == str(tg.user) and stored["user_id"] == str(tg.user)
    assert stored["text"] == "hello" and stored["channel"] == "telegram"


def spliced(update: dict, **changes: str) -> bytes:
    """`update` as JSON with raw JSON text spliced in where `changes` say (`message__chat__id=...`):
    NaN, 1e20 as written, 5,000-digit integers and "\\ud800" escapes cannot come from a dict."""
    for key in changes:
        path = key.split("__")
        holder = update
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = f"@@{key}@@"
    text = json.dumps(update)
    for key, raw in changes.items():
        text = text.replace(f'"@@{key}@@"', raw)
    return text.encode()


# Each class of malformed update (its update_id usable), and the words its recorded reason must contain.
BAD_UPDATES = {
    "chat id a string": ({"message__chat__id": '"abc"'}, "chat.id is not an integer"),
    "sender id of 300 characters": ({"message__from__id": json.dumps("7" * 300)}, "from.id is not an integer"),
    "chat id beyond BIGINT": ({"message__chat__id": "9" * 20}, "integer of 20 digits"),
    "message id of 5000 digits": ({"message__message_id": "9" * 5000}, "integer of 5000 digits"),
    "date 1e20": ({"message__date": "1e20"}, "malformed update: "),
    "date of 21 digits": ({"message__date": "100000000000000000000"}, "integer of 21 digits"),
    "date NaN": ({"message__date": "NaN"}, "number NaN"),
    "date Infinity": ({"message__date": "Infinity"}, "number Infinity"),
    "date 0": ({"message__date": "0"}, "timestamp is outside"),
    "latitude 1e400": ({"message__text": '"x", "location": {"latitude": 1e400, "longitude": 1}'}, "out of range"),
    "nested 500 deep": ({"message__text": "[" * 500 + "]" * 500}, "nested deeper than 16 levels"),
    "migrated to a 300-character chat": ({"message__text": '"x", "migrate_to_chat_id": ' + json.dumps("1" * 300)},
                                         "migrate_to_chat_id is not an integer"),
    "message a list": ({"message": "[1, 2]"}, "message is not an object"),
    # The message is closed early and a top-level `callback_query` follows it (the padding object
    # takes the message's closing brace).
    "callback query a string": ({"message__text": '"x"}, "callback_query": "press", "pad": {"a": 1'},
                                "callback_query is not an object"),
}


@pytest.mark.parametrize("case", sorted(BAD_UPDATES))
def test_a_malformed_update_is_rejected_alone_and_the_next_is_answered(tg, db, case):
    changes, reason = BAD_UPDATES[case]
    update = text_update(tg.user, "hi")
    body = spliced(update, **changes)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": tg.secret}
    response = requests.post(tg.url, data=body, timeout=5, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "stored": 1, "rejected": 1}
    row = db.scalar(select(InboxEvent))
    assert row.event_id == str(update["update_id"]) and row.status == "rejected"
    assert row.error.startswith("malformed update: ") and reason in row.error, row.error
    assert requests.post(tg.url, data=body, timeout=5, headers=headers).json()["stored"] == 0  # Telegram retried
    assert "營業時間" in tg.say("營業時間")[0]  # the customer's next message is answered as ever
    assert db.get(InboxEvent, row.id).status == "rejected"


# A button press malformed elsewhere: its callback id is still a usable one.
BAD_PRESSES = {"sender id a string": {"callback_query__from__id": '"abc"'},
               "data NaN": {"callback_query__data": "NaN"},
               "message a list": {"callback_query__message": "[1]"}}


@pytest.mark.parametrize("case", sorted(BAD_PRESSES))
def test_a_rejected_button_press_is_still_answered_so_it_stops_spinning(tg, db, case):
    update = callback_update(tg.user, "faq:1")
    query_id = update["callback_query"]["id"]
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": tg.secret}
    body = spliced(update, **BAD_PRESSES[case])
    response = requests.post(tg.url, data=body, timeout=5, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": query_id}
    row = db.scalar(select(InboxEvent))
    assert row.status == "rejected" and row.error.startswith("malformed update: ")
    assert row.payload["payload"]["callback_query_id"] == query_id
    # Telegram's redelivery is answered the same, and stored once.
    assert requests.post(tg.url, data=body, timeout=5, headers=headers).json()["callback_query_id"] == query_id
    assert inbox_count(db) == 1 and tg.replies() == []


@pytest.mark.parametrize("query_id", ['"a\\u0000b"', '"\\ud800"', json.dumps("7" * 65), '""', "12345", "null"])
def test_a_rejected_press_whose_callback_id_is_unusable_gets_the_plain_summary(tg, db, query_id):
    update = callback_update(tg.user, "faq:1")
    body = spliced(update, callback_query__from__id='"abc"', callback_query__id=query_id)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": tg.secret}
    response = requests.post(tg.url, data=body, timeout=5, headers=headers)
    assert response.status_code == 200 and response.json() == {"received": 1, "stored": 1, "rejected": 1}
    row = db.scalar(select(InboxEvent))
    assert row.status == "rejected" and "callback_query_id" not in row.payload["payload"]


@pytest.mark.parametrize(("text", "stored"), [("營業\u0000時間", "營業時間"), ("營業時間\ud800", "營業時間\ufffd")])
def test_nul_and_lone_surrogates_in_text_are_cleaned_and_answered(tg, db, text, stored):
    body = spliced(text_update(tg.user, "x"), message__text=json.dumps(text))
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": tg.secret}
    assert requests.post(tg.url, data=body, timeout=5, headers=headers).json() == {"received": 1, "stored": 1}
    assert "營業時間" in texts(tg.replies())[0]
    assert db.scalar(select(InboxEvent.payload))["text"] == stored
