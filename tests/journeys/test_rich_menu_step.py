"""A journey step switches the customer's LINE rich menu: a link request queued with the step
(`line_tasks`, as the tier change does), made by the worker against LINE."""

from __future__ import annotations

from sqlalchemy import select

from bot.crm import hooks, rich_menus
from bot.marketing.rich_menu_images import draw_grid
from models import LineTask, RichMenu
from tests.cards.test_rich_menus import CELLS, six_areas
from tests.journeys.helpers import T0, customer, journey, outcomes, tick


def _published(runtime, worker, name):
    with runtime.sessions.begin() as session:
        menu = RichMenu(name=name, target="segment", areas=six_areas(), image_type="image/png",
                        image=draw_grid(2500, 1686, 2, 3, [c.split(" |")[0] for c in CELLS]))
        session.add(menu)
        session.flush()
        rich_menus.publish(session, menu, members=[])
    worker.line_tasks_once()
    with runtime.sessions() as session:
        return session.scalar(select(RichMenu.line_id).where(RichMenu.name == name))


def test_a_step_links_the_customer_to_the_named_menu_through_line_tasks(runtime, worker, standin):
    line_id = _published(runtime, worker, "members")
    assert line_id
    journey(runtime, {"name": "menu", "steps": [{"id": "switch", "kind": "rich_menu", "menu": "members"},
                                                {"id": "missing", "kind": "rich_menu", "menu": "not-on-line"}]})
    cid = customer(runtime, "U" + "a" * 32)
    with runtime.sessions.begin() as session:
        hooks.signal(session, cid, "lead_captured", {}, T0)
    tick(runtime, T0)
    assert outcomes(runtime, cid) == [("switch", "done"), ("missing", "failed")]
    with runtime.sessions() as session:
        [task] = session.scalars(select(LineTask).where(LineTask.kind == "link")).all()
        assert task.user_ids == ["U" + "a" * 32]
    worker.line_tasks_once()
    assert standin.user_rich_menus["U" + "a" * 32] == line_id
