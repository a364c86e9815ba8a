"""Tags by hand and by button: a staff member tags and untags on the customer page, a marketer
renames, colours and tags a saved segment; the history says who did each; a customer's button
press adds only a tag the shop has (source "button")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.crm import tags
from models import Customer, Segment, TagChange
from tests.chat import texts
from tests.commerce import followed_customer
from tests.console.factories import add_customer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_staff_tag_and_untag_on_the_customer_page_and_the_history_says_who(console, runtime, db):
    with runtime.sessions.begin() as session:
        customer_id = add_customer(session, "林美").id
    staff = console("staff")
    staff.post(f"/console/customers/{customer_id}/tags", {"name": "ＶＩＰ "})
    assert db.get(Customer, customer_id).tags == ["VIP"]
    page = staff.get(f"/console/customers/{customer_id}").text
    assert 'id="tags-panel"' in page and "console:staff@" in page
    staff.post(f"/console/customers/{customer_id}/tags", {"name": "VIP", "action": "remove"})
    assert db.get(Customer, customer_id).tags == []
    sources = [c.source for c in db.all(select(TagChange).where(TagChange.customer_id == customer_id))]
    assert len(sources) == 2 and all(s.startswith("console:staff@") for s in sources)
    assert staff.post(f"/console/customers/{customer_id}/tags", {"name": "x"}, csrf=False).status_code in (400, 403)


def test_a_marketer_renames_colours_and_tags_a_saved_segment(console, runtime, db):
    with runtime.sessions.begin() as session:
        ids = [add_customer(session, f"c{i}", tier=2).id for i in range(3)]
        add_customer(session, "other", tier=5)
        session.add(Segment(name="gold", criteria={"tiers": [2]}))
    marketer = console("marketer")
    segment_id = db.scalar(select(Segment.id).where(Segment.name == "gold"))
    answer = marketer.post(f"/console/segments/{segment_id}/tag", {"name": "書展"})
    assert "3" in answer.text
    assert all(db.get(Customer, i).tags == ["書展"] for i in ids)
    marketer.post("/console/tags/rename", {"old": "書展", "new": "春季書展"})
    marketer.post("/console/tags/colour", {"name": "春季書展", "colour": "#ff0000"})
    listing = marketer.get("/console/tags").text
    assert "春季書展" in listing and "#ff0000" in listing
    assert all(db.get(Customer, i).tags == ["春季書展"] for i in ids)
    refused = marketer.post("/console/tags/colour", {"name": "春季書展", "colour": "#zzz"})
    assert "#rrggbb" in refused.text
    assert console("staff").get("/console/tags").status_code == 200


def test_a_button_press_tags_only_with_a_tag_the_shop_has(chat, db, runtime):
    customer_id = followed_customer(chat, db)
    with runtime.sessions.begin() as session:
        tags.set_colour(session, "咖啡控", None)  # made in the console
    assert "咖啡控" in chat.press("tag:咖啡控")[0]
    assert db.get(Customer, customer_id).tags == ["咖啡控"]
    change = db.scalar(select(TagChange).where(TagChange.customer_id == customer_id))
    assert change.source == "button"
    reply = texts(chat.send("postback", postback="tag:invented-by-a-forged-callback"))
    assert "不提供" in reply[0]
    assert db.get(Customer, customer_id).tags == ["咖啡控"]


def test_every_tag_form_refuses_with_its_reason_and_changes_nothing(console, runtime, db):
    with runtime.sessions.begin() as session:
        customer_id = add_customer(session, "林美").id
        tags.add_tag(session, session.get(Customer, customer_id), "old", source="t", now=NOW)
        tags.add_tag(session, session.get(Customer, customer_id), "taken", source="t", now=NOW)
    marketer = console("marketer")
    assert "未改名：a tag named" in marketer.post("/console/tags/rename", {"old": "old", "new": "taken"}).text
    assert "未儲存：a colour is written #rrggbb" in marketer.post("/console/tags/colour", {"name": "old", "colour": "red"}).text
    page = marketer.post(f"/console/customers/{customer_id}/tags", {"name": "a\x00b"}).text
    assert "未加標籤：a tag name cannot contain control characters" in page
    assert sorted(db.get(Customer, customer_id).tags) == ["old", "taken"]
