"""The new-broadcast form's picture and card over real HTTP: previewed with the Flex preview
without saving, refused field by field in the marketer's language, saved and shown."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Broadcast, Segment


def form(segment_id, **fields):
    return {"name": "春季", "segment_id": str(segment_id), "text": "春季特賣開始了！", "schedule": "at",
            "send_at": "2099-03-01T10:00", "holdout_percent": "0", "image_url": "https://cdn.shop.example/spring.jpg",
            "card_title": "春季特賣", "card_fields": "期間：3/1–3/7\n地點: 台北店",
            "button1_label": "看商品", "button1_kind": "uri", "button1_data": "https://shop.example/spring",
            "button2_label": "提醒我", "button2_kind": "postback", "button2_data": "tag:spring", **fields}


def segment_id(runtime):
    with runtime.sessions.begin() as s:
        segment = Segment(name="all", criteria={})
        s.add(segment)
        s.flush()
        return segment.id


def test_a_card_is_previewed_refused_in_the_marketers_language_and_saved(runtime, console, db):
    marketer, seg = console("marketer"), segment_id(runtime)
    preview = marketer.post("/console/broadcasts", form(seg, preview="1"))
    assert preview.status_code == 200 and 'id="broadcast-card-preview"' in preview.text
    assert "春季特賣" in preview.text and "看商品" in preview.text and "台北店" in preview.text
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 0  # a preview saves nothing

    too_long = "這個標籤一定超過了二十個字元的長度限制喔喔喔"
    refused = marketer.post("/console/broadcasts", form(seg, image_url="http://cdn.shop.example/a.jpg", button1_label=too_long,
                                                        button2_data="", card_fields="沒有冒號"))
    assert refused.status_code == 400
    assert "必須是 https:// 開頭" in refused.text and "按鈕標籤為 1 到 20 個字元" in refused.text
    assert "每個欄位請寫成 標籤: 內容" in refused.text and "回傳資料為 1 到 300 個字元" in refused.text
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 0

    saved = marketer.post("/console/broadcasts", form(seg))
    assert saved.status_code == 200 and 'id="broadcast-card-preview"' in saved.text
    broadcast = db.scalar(select(Broadcast))
    assert broadcast.image_url == "https://cdn.shop.example/spring.jpg"
    assert broadcast.card["fields"] == [{"label": "期間", "value": "3/1–3/7"}, {"label": "地點", "value": "台北店"}]
    assert [b["action"] for b in broadcast.card["buttons"]] == ["uri", "postback"]


def test_the_card_has_words_per_language_each_previewed_and_checked(runtime, console, db):
    marketer, seg = console("marketer"), segment_id(runtime)
    english = {"text_en": "The spring sale is on!", "card_title_en": "Spring sale", "button1_label_en": "See books"}
    page = marketer.get("/console/broadcasts/new").text
    assert 'name="card_title_en"' in page and 'name="button2_label_zh_CN"' in page and 'name="card_title_zh_TW"' not in page
    preview = marketer.post("/console/broadcasts", form(seg, preview="1", **english))
    assert preview.status_code == 200 and preview.text.count("broadcast-card-preview-language") == 1
    assert "Spring sale" in preview.text and "See books" in preview.text and "The spring sale is on!" in preview.text
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 0
    refused = marketer.post("/console/broadcasts", form(seg, card_title_en="x" * 121, button1_label_en="y" * 21))
    assert refused.status_code == 400 and 'id="error-card_title_en"' in refused.text and 'id="error-button1_label_en"' in refused.text
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 0
    assert marketer.post("/console/broadcasts", form(seg, **english)).status_code == 200
    card = db.scalar(select(Broadcast)).card
    assert card["translations"] == {"en": {"title": "Spring sale", "text": "", "buttons": ["See books", ""]}}
    assert card["title"] == "春季特賣" and card["buttons"][0]["label"] == "看商品"
    shown = marketer.get(f"/console/broadcasts/{db.scalar(select(Broadcast.id))}").text
    assert "Spring sale" in shown and "broadcast-card-preview-language" in shown
