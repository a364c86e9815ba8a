"""The card preview page over HTTP: roles, CSRF, and pasted JSON that is too big or not JSON."""

from __future__ import annotations

import json


def test_only_marketers_and_admins_open_it_and_posts_need_csrf(console):
    assert console("staff").get("/console/cards/preview").status_code == 403
    marketer = console("marketer")
    page = marketer.get("/console/cards/preview")
    assert page.status_code == 200 and "M0SAMPLE42" in page.text
    assert "https://profile.line-scdn.net" in page.headers["Content-Security-Policy"]
    assert marketer.post("/console/cards/preview", {"flex": "{}"}, csrf=False).status_code in (400, 403)


def test_pasted_json_is_checked_before_it_is_drawn(console):
    marketer = console("marketer")
    assert "not JSON" in marketer.post("/console/cards/preview", {"flex": "{nope"}).text
    huge = json.dumps({"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                                  "contents": [{"type": "text", "text": "x" * 40_000}]}})
    assert "at most 30 KB" in marketer.post("/console/cards/preview", {"flex": huge}).text
    unknown = json.dumps({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [{"type": "txt"}]}})
    assert "is invalid" in marketer.post("/console/cards/preview", {"flex": unknown}).text
