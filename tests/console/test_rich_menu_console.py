"""The rich menu editor over HTTP: bad uploads cost only themselves (too big, not a picture, the
wrong size), a segment menu links that segment's LINE customers, CSRF and roles hold."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from bot.marketing.rich_menu_images import draw_grid
from models import LineTask, RichMenu, Segment
from tests.console.factories import add_customer

CELL = {"name": "tabs", "cells": "A | postback:x\nB | switch:second-tab", "rows": "1", "cols": "2", "size": "compact"}


def test_uploads_are_checked_and_a_good_one_is_kept(console, db):
    marketer = console("marketer")
    huge = marketer.post("/console/rich-menus", CELL, files={"image": ("menu.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), "image/png")})
    assert huge.status_code == 413  # refused by [web] max_body_bytes before the view reads it
    gif = io.BytesIO()
    Image.new("RGB", (2500, 843)).save(gif, format="GIF")
    assert "LINE 只接受 PNG 或 JPEG" in marketer.post("/console/rich-menus", CELL, files={"image": ("m.gif", gif.getvalue(), "image/gif")}).text
    wrong = draw_grid(2500, 1686, 1, 2, ["A", "B"])
    bad_kind = marketer.post("/console/rich-menus", {**CELL, "cells": "A | ftp:x"})
    assert bad_kind.status_code == 400 and "&#39;A&#39;：未知的類型 &#39;ftp&#39;" in bad_kind.text  # LINE's rule, in the marketer's language
    assert "圖片為 2500x1686；選單為 2500x843" in marketer.post("/console/rich-menus", CELL, files={"image": ("m.png", wrong, "image/png")}).text
    assert db.scalar(select(func.count()).select_from(RichMenu)) == 0
    good = draw_grid(2500, 843, 1, 2, ["A", "B"])
    assert marketer.post("/console/rich-menus", CELL, files={"image": ("m.png", good, "image/png")}).status_code == 200
    menu = db.scalar(select(RichMenu))
    assert menu.image == good and menu.areas[1]["action"]["richMenuAliasId"] == "second-tab"
    assert marketer.post("/console/rich-menus", CELL, csrf=False).status_code in (400, 403)
    assert console("staff").get("/console/rich-menus").status_code == 403


def test_a_segment_menu_links_the_segments_line_customers(console, runtime, db):
    with runtime.sessions.begin() as session:
        for index in range(3):
            add_customer(session, f"g{index}", line=f"U{index:032d}", tier=2)
        add_customer(session, "other", line="U" + "e" * 32, tier=5)
        session.add(Segment(name="gold", criteria={"tiers": [2]}))
    segment_id = db.scalar(select(Segment.id))
    marketer = console("marketer")
    marketer.post("/console/rich-menus", {**CELL, "name": "gold menu", "target": "segment", "segment_id": str(segment_id)})
    menu_id = db.scalar(select(RichMenu.id))
    marketer.post(f"/console/rich-menus/{menu_id}/publish")
    tasks = db.all(select(LineTask).order_by(LineTask.id))
    assert [t.kind for t in tasks] == ["publish", "link"] and sorted(tasks[1].user_ids) == [f"U{i:032d}" for i in range(3)]


def test_deleting_a_menu_keeps_it_until_line_deleted_it_and_shows_why_not(console, runtime, worker, standin, db):
    marketer = console("marketer")
    marketer.post("/console/rich-menus", {**CELL, "alias": "tabs-a"}, files={"image": ("m.png", draw_grid(2500, 843, 1, 2, ["A", "B"]), "image/png")})
    menu_id = db.scalar(select(RichMenu.id))
    marketer.post(f"/console/rich-menus/{menu_id}/publish")
    worker.line_tasks_once()
    line_id = db.get(RichMenu, menu_id).line_id
    standin.add_fault(f"/v2/bot/richmenu/{line_id}", status=400)
    page = marketer.post(f"/console/rich-menus/{menu_id}/delete")
    assert "正在從 LINE 刪除" in page.text and f'id="deleting-{menu_id}"' in page.text and f'id="menu-{menu_id}"' not in page.text
    worker.line_tasks_once()
    page = marketer.get("/console/rich-menus").text
    assert "LINE answered 400" in page and "失敗" in page and line_id in standin.rich_menus
    assert marketer.post(f"/console/rich-menus/{menu_id}/publish").status_code == 404  # a deleted menu is not published again
    assert marketer.post(f"/console/rich-menus/{menu_id}/delete", csrf=False).status_code in (400, 403)
    assert console("staff").post(f"/console/rich-menus/{menu_id}/delete").status_code == 403
