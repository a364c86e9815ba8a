"""Deleting a rich menu: the row is kept (hidden, renamed) until the worker deleted its alias and
the menu on LINE, then goes; a menu never on LINE goes at once; a deletion LINE refuses is kept
with LINE's reason for the console. And the stand-in refuses what LINE refuses for aliases
(an unknown alias to delete: 404; a duplicate alias: 400; a malformed id: 400), which our code
handles: a 404 on delete counts as done, a duplicate on create repoints the alias."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from bot.crm import rich_menus
from channels.base import DeliveryError
from channels.line.adapter import LineChannel
from models import LineTask, RichMenu, utcnow
from tests.cards.test_rich_menus import _menu
from tests.conftest import ACCESS_TOKEN, CHANNEL_SECRET


def _tasks(db):
    return [(t.kind, t.failed_at is not None) for t in db.all(select(LineTask).order_by(LineTask.id))]


def test_a_published_menu_is_deleted_on_line_before_its_row_goes(runtime, worker, standin, db):
    menu_id = _menu(runtime, alias="main-tab")
    worker.line_tasks_once()
    line_id = db.get(RichMenu, menu_id).line_id
    with runtime.sessions.begin() as session:
        assert rich_menus.delete_menu(session, session.get(RichMenu, menu_id)) is True
    kept = db.get(RichMenu, menu_id)
    assert kept.deleted_at is not None and kept.alias is None and kept.name == f"main (deleted #{menu_id})"
    assert _tasks(db) == [("delete_alias", False), ("delete", False)]
    with runtime.sessions() as session:
        assert rich_menus.published_menu(session, "main") is None
    worker.line_tasks_once()
    assert standin.rich_menu_aliases == {} and standin.deleted_rich_menus == [line_id] and standin.default_rich_menu is None
    assert db.get(RichMenu, menu_id) is None and _tasks(db) == []
    _menu(runtime, alias="main-tab")  # the name and the alias are free again
    worker.line_tasks_once()
    assert list(standin.rich_menu_aliases) == ["main-tab"]


def test_deleting_while_a_republication_waits_drops_it_and_deletes_the_old_menu(runtime, worker, standin, db):
    menu_id = _menu(runtime, alias="main-tab")
    worker.line_tasks_once()
    old = db.get(RichMenu, menu_id).line_id
    with runtime.sessions.begin() as session:
        menu = session.get(RichMenu, menu_id)
        rich_menus.publish(session, menu)  # queued: publish + delete of the old one
        rich_menus.delete_menu(session, menu)
    assert _tasks(db) == [("delete", False), ("delete_alias", False)]
    worker.line_tasks_once()  # the delete waits for the alias, which the same run deletes
    assert old in standin.rich_menus and standin.rich_menu_aliases == {} and _tasks(db) == [("delete", False)]
    with runtime.sessions.begin() as session:
        session.execute(update(LineTask).values(due_at=utcnow() - timedelta(seconds=1)))
    worker.line_tasks_once()
    assert standin.deleted_rich_menus == [old] and standin.rich_menus == {} and standin.rich_menu_aliases == {}
    assert db.get(RichMenu, menu_id) is None


def test_a_menu_never_on_line_goes_at_once(runtime, worker, standin, db):
    menu_id = _menu(runtime)  # publication queued, never run
    with runtime.sessions.begin() as session:
        assert rich_menus.delete_menu(session, session.get(RichMenu, menu_id)) is False
    assert db.get(RichMenu, menu_id) is None and _tasks(db) == []
    worker.line_tasks_once()
    assert standin.rich_menus == {}


def test_a_deletion_line_refuses_is_kept_with_the_reason_and_one_it_lost_counts_as_done(runtime, worker, standin, db):
    menu_id = _menu(runtime)
    worker.line_tasks_once()
    line_id = db.get(RichMenu, menu_id).line_id
    with runtime.sessions.begin() as session:
        rich_menus.delete_menu(session, session.get(RichMenu, menu_id))
    standin.add_fault(f"/v2/bot/richmenu/{line_id}", status=503)
    worker.line_tasks_once()
    [task] = db.all(select(LineTask))
    assert task.failed_at is None and task.attempts == 1 and "503" in task.last_error and line_id in standin.rich_menus
    standin.add_fault(f"/v2/bot/richmenu/{line_id}", status=400)
    with runtime.sessions.begin() as session:
        session.execute(update(LineTask).values(due_at=utcnow() - timedelta(hours=1)))
    worker.line_tasks_once()
    [task] = db.all(select(LineTask))
    assert task.failed_at is not None and "400" in task.last_error and db.get(RichMenu, menu_id) is not None
    worker.line_tasks_once()  # a failed task is not tried again by itself
    assert db.get(LineTask, task.id).attempts == 2
    # LINE lost it already (say, deleted in LINE OA Manager): a 404 counts as deleted
    with runtime.sessions.begin() as session:
        session.execute(update(LineTask).values(failed_at=None, due_at=utcnow() - timedelta(hours=1)))
    del standin.rich_menus[line_id]
    worker.line_tasks_once()
    assert db.get(RichMenu, menu_id) is None and db.scalar(select(func.count()).select_from(LineTask)) == 0


def test_the_standin_refuses_alias_mistakes_as_line_does_and_the_adapter_handles_them(standin):
    channel = LineChannel(CHANNEL_SECRET, ACCESS_TOKEN, standin.url)
    auth = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    menu_a = channel.create_rich_menu(_object())
    menu_b = channel.create_rich_menu(_object())
    missing = requests.delete(f"{standin.url}/v2/bot/richmenu/alias/nope", headers=auth, timeout=5)
    assert missing.status_code == 404 and missing.json() == {"message": "richmenu alias not found"}
    channel.delete_rich_menu_alias("nope")  # our code: already gone counts as deleted
    created = requests.post(f"{standin.url}/v2/bot/richmenu/alias", headers=auth, timeout=5,
                            json={"richMenuAliasId": "tab-a", "richMenuId": menu_a})
    duplicate = requests.post(f"{standin.url}/v2/bot/richmenu/alias", headers=auth, timeout=5,
                              json={"richMenuAliasId": "tab-a", "richMenuId": menu_b})
    assert created.status_code == 200 and duplicate.status_code == 400 and "conflict" in duplicate.json()["message"]
    for bad in ("", "has space", "x" * 33, "中文"):
        answer = requests.post(f"{standin.url}/v2/bot/richmenu/alias", headers=auth, timeout=5,
                               json={"richMenuAliasId": bad, "richMenuId": menu_a})
        assert answer.status_code == 400 and "richMenuAliasId" in answer.json()["message"]
    channel.set_rich_menu_alias("tab-a", menu_b)  # a duplicate: the adapter points the alias at the new menu
    assert standin.rich_menu_aliases == {"tab-a": menu_b}
    with pytest.raises(DeliveryError) as refused:  # another 400 is not taken for "exists": it fails with LINE's words
        channel.set_rich_menu_alias("tab-b", "richmenu-unknown")
    assert refused.value.status == 400 and "richmenu not found" in refused.value.reason
    with pytest.raises(DeliveryError) as in_use:
        channel.delete_rich_menu(menu_b)
    assert in_use.value.status == 400 and "alias" in in_use.value.reason
    channel.delete_rich_menu_alias("tab-a")
    channel.delete_rich_menu(menu_b)
    assert menu_b not in standin.rich_menus
    channel.close()


def _object():
    from bot.marketing.rich_menu_editor import grid_areas, parse_cell
    return {"size": {"width": 2500, "height": 843}, "selected": False, "name": "m", "chatBarText": "選單",
            "areas": grid_areas(2500, 843, 1, 1, [parse_cell("a | postback:x")[1]])}
