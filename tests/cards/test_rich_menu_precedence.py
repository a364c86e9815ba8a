"""Which rich menu a customer sees when several are for them, decided in one place
(`bot.crm.rich_menus.menus_for`): pinned (a journey step, staff) > a saved segment's menu (the
oldest first) > the tier's menu > the default. A tier change or a segment refresh never takes a
customer off a menu that outranks theirs; a pin to a deleted menu no longer counts."""

from __future__ import annotations

from sqlalchemy import select

from bot.crm import rich_menus
from bot.marketing.rich_menu_images import draw_grid
from bot.marketing.segment_menus import refresh_segment_menus, segment_members
from models import Customer, RichMenu, RichMenuPin, Segment
from tests.cards.test_rich_menus import CELLS, _line_customer, _menu, six_areas


def _segment_menu(runtime, name, criteria):
    with runtime.sessions.begin() as session:
        segment = Segment(name=name, criteria=criteria)
        session.add(segment)
        session.flush()
        menu = RichMenu(name=name, target="segment", segment_id=segment.id, areas=six_areas(), image_type="image/png",
                        image=draw_grid(2500, 1686, 2, 3, [c.split(" |")[0] for c in CELLS]))
        session.add(menu)
        session.flush()
        rich_menus.publish(session, menu, members=segment_members(session, menu))
        return menu.id


def _seen(runtime, ids):
    with runtime.sessions() as session:
        return {c: (m.name if m else None) for c, m in rich_menus.menus_for(session, ids).items()}


def test_pinned_beats_segment_beats_tier_beats_default(runtime, worker, standin, db):
    with runtime.sessions.begin() as session:
        plain, tiered, in_segment, pinned, in_two = (_line_customer(session, f"U{n:032d}", tier)
                                                     for n, tier in ((1, 5), (2, 2), (3, 2), (4, 2), (5, 2)))
        session.get(Customer, in_segment).region = "台北市"
        session.get(Customer, pinned).region = "台北市"
        session.get(Customer, in_two).region = "台北市"
        session.get(Customer, in_two).tags = ["書展"]
    _menu(runtime, name="gold", target="tier", tier=2)
    _menu(runtime, name="promo")
    worker.line_tasks_once()
    _segment_menu(runtime, "taipei", {"regions": ["台北市"]})
    _segment_menu(runtime, "fair", {"tags": ["書展"]})
    worker.line_tasks_once()
    with runtime.sessions.begin() as session:
        rich_menus.pin_customer(session, rich_menus.published_menu(session, "promo"), pinned, "journey:1")
    worker.line_tasks_once()
    assert _seen(runtime, [plain, tiered, in_segment, pinned, in_two]) == {
        plain: None, tiered: "gold", in_segment: "taipei", pinned: "promo", in_two: "taipei"}
    line_of = {m.name: m.line_id for m in db.all(select(RichMenu))}
    assert standin.user_rich_menus[f"U{3:032d}"] == line_of["taipei"] and standin.user_rich_menus[f"U{4:032d}"] == line_of["promo"]
    assert standin.user_rich_menus[f"U{5:032d}"] == line_of["taipei"]  # the older segment's menu, not "fair"
    # a tier change does not take a segment's or a pinned customer off their menu
    with runtime.sessions.begin() as session:
        assert rich_menus.on_tier_change(session, in_segment, 2) == 0
        assert rich_menus.on_tier_change(session, pinned, 2) == 0
        assert rich_menus.on_tier_change(session, tiered, 2) == 1
    # leaving the segment: the pinned customer keeps the pin, the other goes to their tier's menu
    with runtime.sessions.begin() as session:
        for customer_id in (in_segment, pinned):
            session.get(Customer, customer_id).region = "台中市"
        refresh_segment_menus(session)
    worker.line_tasks_once()
    assert standin.user_rich_menus[f"U{3:032d}"] == line_of["gold"] and standin.user_rich_menus[f"U{4:032d}"] == line_of["promo"]
    # the pinned menu is deleted: the pin goes with it and the tier's menu counts again
    with runtime.sessions.begin() as session:
        rich_menus.delete_menu(session, rich_menus.published_menu(session, "promo"))
    assert _seen(runtime, [pinned])[pinned] == "gold"
    worker.line_tasks_once()
    assert db.scalar(select(RichMenuPin.customer_id)) is None
