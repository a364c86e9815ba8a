"""Opt-out and privacy commands through the real LINE webhook path, in three languages: one
consent record per customer and channel, "my data", and deletion requests for staff to confirm."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Consent, DataRequest, DialogueState
from tests.care_helpers import STAFF_GROUP, STAFF_OVERRIDES, button_data, press, say, to_address, to_customer
from tests.conftest import make_settings


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, **STAFF_OVERRIDES)


def marketing(db) -> tuple[bool, str]:
    consent = db.scalar(select(Consent).where(Consent.purpose == "marketing"))
    return consent.granted, consent.source


def test_opt_out_and_back_in_by_typed_commands_in_three_languages(chat, db, clock):
    chat.send("follow")
    assert marketing(db) == (True, "line:follow")
    assert say(chat, "取消訂閱")[0].startswith("已為您取消訂閱，之後不會再收到優惠與活動訊息。您的提問回覆與預約提醒仍會照常送達。")
    assert marketing(db) == (False, "line:command")
    assert say(chat, "訂閱")[0].startswith("已為您訂閱")
    # one English word in a Chinese conversation does not switch the language (bot/i18n.language_after)
    assert say(chat, "Unsubscribe!")[0].startswith("已為您取消訂閱")
    assert say(chat, "订阅")[0].startswith("已为您订阅")
    assert say(chat, "取消订阅")[0].startswith("已为您取消订阅")
    assert marketing(db) == (False, "line:command")
    assert len(db.all(select(Consent).where(Consent.purpose == "marketing"))) == 1  # one record per channel
    # inside a sentence it is not a command
    assert "not understand" in say(chat, "please don't stop the good work")[0]
    assert marketing(db)[0] is False


def test_stop_in_the_middle_of_a_dialogue_ends_it(chat, db, clock):
    press(chat, "lead:start")
    assert say(chat, "stop")[0].startswith("You are unsubscribed")
    customer_id = db.scalar(select(DialogueState.customer_id))
    assert db.get(DialogueState, customer_id).flow is None


def test_my_data_shows_what_we_hold(chat, db, clock):
    chat.send("follow")
    press(chat, "lead:start")
    for answer in ("王小明", "ming@example.com", "3", "台北", "文學"):
        say(chat, answer)
    press(chat, "lead:consent:no")
    deliveries = chat.send("message", text="我的資料")
    shown = deliveries[0]["messages"][0]["text"]
    assert shown.splitlines() == [
        "我們保存的您的資料：", "稱呼: 王小明", "Email: ming@example.com", "手機: （無）", "生日月份: 3 月", "地區: 台北", "興趣: 文學",
        "會員階段: 已加入會員（尚未消費）", "等級: 新朋友", "來源: LINE 聊天", "聯絡管道: LINE", "優惠訊息: LINE 不接收",
        "紀錄: 訊息 17 則、訂單 0 筆、預約 0 筆、客服單 0 筆、評分 0 次",
    ]
    assert button_data(deliveries) == ["privacy:delete"]
    assert say(chat, "my data")[0].startswith("What we hold about you:\nName: 王小明")
    assert say(chat, "我的资料")[0].startswith("我们保存的您的资料：")


def test_a_deletion_request_is_recorded_for_staff_and_can_be_withdrawn(chat, db, clock):
    deliveries = chat.send("message", text="删除我的资料")
    request = db.scalar(select(DataRequest))
    assert to_customer(deliveries, chat.user)[0].startswith(f"已收到您删除资料的申请（编号 {request.id}）")
    assert to_address(deliveries, STAFF_GROUP) == [f"資料刪除申請 #{request.id}：顧客 {request.customer_id}（line），請到後台確認。"]
    assert (request.status, request.kind, request.channel, request.requested_at) == ("pending", "deletion", "line", clock.now())
    assert say(chat, "delete my data") == [f"Your deletion request (no. {request.id}) is already being handled."]
    assert press(chat, f"privacy:withdraw:{request.id}") == ["Your deletion request is withdrawn."]
    assert press(chat, f"privacy:withdraw:{request.id}") == ["There is no pending request to withdraw."]
    assert press(chat, "privacy:withdraw:abc") == ["There is no pending request to withdraw."]
    assert db.get(DataRequest, request.id).status == "withdrawn"
    assert press(chat, "privacy:delete")[0].startswith("We received your request to delete your data")
