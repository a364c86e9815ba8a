"""Rich menus: LINE's rules (sizes, bounds, 20 areas, actions; the picture's format, size and
dimensions, a decompression bomb refused by its header), a grid drawn in Chinese, and publication
through the real SDK against the stand-in: created, picture uploaded, default set, alias, and users
linked in bulk 500 a request from durable tasks; a tier change links that tier's menu."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select, update

from bot.crm import rich_menus
from bot.marketing.rich_menu_editor import grid_areas, parse_cell
from bot.marketing.rich_menu_images import check_image, draw_grid
from bot.marketing.segment_menus import refresh_segment_menus, segment_members
from channels.base import DeliveryError
from channels.line.adapter import LineChannel
from channels.line.rich_menu_rules import RichMenuError, check_menu
from models import ChannelIdentity, Customer, LineTask, RichMenu, Segment, utcnow
from tests.conftest import ACCESS_TOKEN, CHANNEL_SECRET

CELLS = ["會員卡 | postback:member:card", "優惠券 | message:我的優惠券", "官網 | uri:https://shop.example",
         "預約 | date:book:start", "點數 | postback:points:show", "更多 | switch:more-tab"]


def six_areas(width=2500, height=1686):
    return grid_areas(width, height, 2, 3, [parse_cell(c)[1] for c in CELLS])


def test_lines_rules_for_the_menu_object():
    check_menu(2500, 1686, "選單", six_areas())
    for width, height in ((700, 400), (2600, 1686), (2500, 200), (1200, 1000)):
        with pytest.raises(RichMenuError):
            check_menu(width, height, "選單", six_areas())
    with pytest.raises(RichMenuError, match="1 to 20 areas"):
        check_menu(2500, 1686, "選單", grid_areas(2500, 1686, 3, 7, [parse_cell(CELLS[0])[1]] * 21))
    outside = six_areas()
    outside[0]["bounds"]["width"] = 3000
    with pytest.raises(RichMenuError, match="outside"):
        check_menu(2500, 1686, "選單", outside)
    with pytest.raises(RichMenuError, match="chat bar"):
        check_menu(2500, 1686, "這是一個太長太長太長的選單文字", six_areas())
    for bad in ("沒有動作", "x | ftp:somewhere", "x | uri:javascript:alert(1)", "x | switch:Bad Alias"):
        with pytest.raises(RichMenuError):
            areas = grid_areas(2500, 1686, 1, 1, [parse_cell(bad)[1]])
            check_menu(2500, 1686, "選單", areas)


def _png_header(width, height):
    """A PNG whose header claims huge dimensions: what a decompression bomb looks like."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")


def test_uploaded_pictures_are_checked_as_line_checks_them():
    good = draw_grid(2500, 843, 1, 3, ["會員卡", "優惠券", "兌換"])
    assert check_image(good, 2500, 843) == "image/png"
    with pytest.raises(RichMenuError, match="2500x843"):
        check_image(good, 2500, 1686)
    gif = io.BytesIO()
    Image.new("RGB", (2500, 843)).save(gif, format="GIF")
    with pytest.raises(RichMenuError, match="PNG or JPEG"):
        check_image(gif.getvalue(), 2500, 843)
    with pytest.raises(RichMenuError, match="1 MB"):
        check_image(b"\x89PNG" + b"\x00" * (1024 * 1024 + 1), 2500, 843)
    with pytest.raises(RichMenuError):
        check_image(_png_header(100_000, 100_000), 2500, 843)  # refused from its header, never expanded
    with pytest.raises(RichMenuError):
        check_image(b"not a picture", 2500, 843)


def _menu(runtime, **fields):
    with runtime.sessions.begin() as session:
        menu = RichMenu(name=fields.pop("name", "main"), areas=six_areas(), image=draw_grid(2500, 1686, 2, 3, [c.split(" |")[0] for c in CELLS]),
                        image_type="image/png", **fields)
        session.add(menu)
        session.flush()
        rich_menus.publish(session, menu)
        return menu.id


def test_a_default_menu_is_published_with_its_picture_and_alias(runtime, worker, standin, db):
    menu_id = _menu(runtime, alias="main-tab")
    assert worker.line_tasks_once() == 1
    menu = db.get(RichMenu, menu_id)
    assert menu.line_id in standin.rich_menus and standin.default_rich_menu == menu.line_id
    assert standin.rich_menus[menu.line_id]["image"]["type"] == "image/png"
    assert standin.rich_menu_aliases == {"main-tab": menu.line_id}
    assert db.scalar(select(func.count()).select_from(LineTask)) == 0
    # published again (a new picture): a new LINE menu, the alias follows it
    with runtime.sessions.begin() as session:
        rich_menus.publish(session, session.get(RichMenu, menu_id))
    worker.line_tasks_once()
    again = db.get(RichMenu, menu_id)
    assert again.line_id != menu.line_id and standin.rich_menu_aliases == {"main-tab": again.line_id}
    # the replaced menu is deleted on LINE, after the new one became the default
    assert standin.deleted_rich_menus == [menu.line_id] and menu.line_id not in standin.rich_menus
    assert standin.default_rich_menu == again.line_id
    assert db.scalar(select(func.count()).select_from(LineTask)) == 0


def _line_customer(session, user_id, tier):
    customer = Customer(tier=tier)
    session.add(customer)
    session.flush()
    session.add(ChannelIdentity(customer_id=customer.id, channel="line", platform_user_id=user_id))
    return customer.id


def test_a_tier_menu_links_its_customers_500_a_request_and_follows_tier_changes(runtime, worker, standin, db):
    with runtime.sessions.begin() as session:
        for index in range(601):
            _line_customer(session, f"U{index:032d}", 2)
        other_id = _line_customer(session, "U" + "f" * 32, 4)
    menu_id = _menu(runtime, name="gold", target="tier", tier=2)
    assert db.scalar(select(func.count()).select_from(LineTask)) == 3  # publish + 2 bulk links
    worker.line_tasks_once()
    line_id = db.get(RichMenu, menu_id).line_id
    assert sorted(standin.bulk_links) == [101, 500] and len(standin.user_rich_menus) == 601
    assert standin.default_rich_menu is None and "U" + "f" * 32 not in standin.user_rich_menus
    with runtime.sessions.begin() as session:
        assert rich_menus.on_tier_change(session, other_id, 2) == 1
    worker.line_tasks_once()
    assert standin.user_rich_menus["U" + "f" * 32] == line_id


def test_the_standin_refuses_what_line_refuses_through_the_sdk(standin):
    channel = LineChannel(CHANNEL_SECRET, ACCESS_TOKEN, standin.url)
    good = {"size": {"width": 2500, "height": 843}, "selected": False, "name": "m", "chatBarText": "選單",
            "areas": grid_areas(2500, 843, 1, 1, [parse_cell("a | postback:x")[1]])}
    menu_id = channel.create_rich_menu(good)
    with pytest.raises(DeliveryError) as refused:
        channel.create_rich_menu({**good, "size": {"width": 2500, "height": 2000}})
    assert refused.value.status == 400
    with pytest.raises(DeliveryError):  # no picture yet: LINE refuses to make it the default
        channel.set_default_rich_menu(menu_id)
    too_many = requests.post(f"{standin.url}/v2/bot/richmenu/bulk/link", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
                             json={"richMenuId": menu_id, "userIds": [f"U{i:032d}" for i in range(501)]}, timeout=5)
    assert too_many.status_code == 400  # (the SDK's own model refuses it before sending, too)
    channel.close()


def test_republishing_a_tier_menu_links_everyone_to_the_new_one_before_deleting_the_old(runtime, worker, standin, db):
    with runtime.sessions.begin() as session:
        for index in range(3):
            _line_customer(session, f"U{index:032d}", 2)
    menu_id = _menu(runtime, name="gold", target="tier", tier=2)
    worker.line_tasks_once()
    old = db.get(RichMenu, menu_id).line_id
    standin.add_fault("/v2/bot/richmenu/bulk/link", 500)  # the first link after republishing fails
    with runtime.sessions.begin() as session:
        rich_menus.publish(session, session.get(RichMenu, menu_id))
    worker.line_tasks_once()
    assert old in standin.rich_menus and standin.deleted_rich_menus == []  # its users are not moved yet: kept
    assert [t.kind for t in db.all(select(LineTask).order_by(LineTask.id))] == ["link", "delete"]
    with runtime.sessions.begin() as session:
        session.execute(update(LineTask).values(due_at=utcnow() - timedelta(hours=1)))  # the retry is due
    worker.line_tasks_once()
    new = db.get(RichMenu, menu_id).line_id
    assert set(standin.user_rich_menus.values()) == {new} and len(standin.user_rich_menus) == 3
    assert standin.deleted_rich_menus == [old]
    assert db.scalar(select(func.count()).select_from(LineTask)) == 0


def test_customers_entering_or_leaving_a_segment_switch_menus(runtime, worker, standin, db):
    with runtime.sessions.begin() as session:
        people = {name: _line_customer(session, "U" + name, tier)
                  for name, tier in (("stays", 2), ("leaves_to_tier", 2), ("leaves_to_default", 2), ("enters", 5))}
        segment = Segment(name="vip", criteria={"tiers": [2]})
        session.add(segment)
        session.flush()
        segment_id = segment.id
    tier_menu = _menu(runtime, name="tier3", target="tier", tier=3)
    with runtime.sessions.begin() as session:
        menu = RichMenu(name="vip", target="segment", segment_id=segment_id, areas=six_areas(), image_type="image/png",
                        image=draw_grid(2500, 1686, 2, 3, [c.split(" |")[0] for c in CELLS]))
        session.add(menu)
        session.flush()
        rich_menus.publish(session, menu, members=segment_members(session, menu))
        vip_menu = menu.id
    worker.line_tasks_once()
    vip_line = db.get(RichMenu, vip_menu).line_id
    assert {u: m for u, m in standin.user_rich_menus.items()} == {
        "Ustays": vip_line, "Uleaves_to_tier": vip_line, "Uleaves_to_default": vip_line}
    # the nightly recompute moved tiers: one customer left for tier 3 (which has a menu), one for tier 1
    # (which has none), one entered
    with runtime.sessions.begin() as session:
        session.get(Customer, people["leaves_to_tier"]).tier = 3
        session.get(Customer, people["leaves_to_default"]).tier = 1
        session.get(Customer, people["enters"]).tier = 2
        assert refresh_segment_menus(session) == 3  # a link in, a link to the tier menu, an unlink
    worker.line_tasks_once()
    assert standin.user_rich_menus == {"Ustays": vip_line, "Uenters": vip_line,
                                       "Uleaves_to_tier": db.get(RichMenu, tier_menu).line_id}
    with runtime.sessions.begin() as session:
        assert refresh_segment_menus(session) == 0  # nobody moved: nothing queued
    assert db.scalar(select(func.count()).select_from(LineTask)) == 0
