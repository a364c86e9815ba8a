"""The journey pages over real HTTP: roles, CSRF, the builder's actions, validation naming the
step and the field, the preview, switching on a template, the numbers, the customer's panel."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlalchemy import select

from bot.crm import hooks
from models import Journey, JourneyVersion
from tests.journeys.helpers import T0, customer, tick


def steps_json(page: str) -> str:
    return unescape(re.search(r'name="steps_json" value="([^"]*)"', page).group(1))


def test_only_marketers_and_admins_open_journeys_and_every_form_needs_csrf(console):
    assert console("staff").get("/console/journeys").status_code == 403
    assert console("admin").get("/console/journeys").status_code == 200
    marketer = console("marketer")
    listing = marketer.get("/console/journeys").text
    assert "從名單到首次購買" in listing and "挽回高等級顧客" in listing
    assert marketer.post("/console/journeys", {"name": "x", "action": "save"}, csrf=False).status_code in (400, 403)
    assert console("staff").post("/console/journeys/templates/welcome").status_code == 403


def test_a_marketer_builds_a_journey_step_by_step_and_sees_errors_naming_the_step(console, runtime):
    marketer = console("marketer")
    form = {"name": "新會員", "trigger_kind": "lead_captured", "reentry": "once", "holdout_percent": "0",
            "goal": "first_purchase", "goal_days": "30"}
    added = marketer.post("/console/journeys", {**form, "steps_json": "[]", "action": "add", "add_kind": "message",
                                                "add_where": "end"})
    assert added.status_code == 200 and 'id="step-message_1"' in added.text
    added = marketer.post("/console/journeys", {**form, "steps_json": steps_json(added.text), "action": "add",
                                                "add_kind": "wait", "add_where": "after:message_1"})
    tree = json.loads(steps_json(added.text))
    assert [s["id"] for s in tree] == ["message_1", "wait_1"]
    refused = marketer.post("/console/journeys", {**form, "steps_json": steps_json(added.text), "action": "save",
                                                  "s.message_1.kind_seen": "1", "s.message_1.text.zh-TW": "嗨 {nmae}",
                                                  "s.wait_1.kind_seen": "1", "s.wait_1.days": "0"})
    assert refused.status_code == 422
    assert "step &#39;message_1&#39; (message): text.zh-TW: unknown field {nmae}" in refused.text
    assert "step &#39;wait_1&#39; (wait): days: a whole number, at least 1" in refused.text
    with runtime.sessions() as session:
        assert session.scalar(select(Journey).where(Journey.name == "新會員")) is None
    saved = marketer.post("/console/journeys", {**form, "steps_json": steps_json(added.text), "action": "save",
                                                "s.message_1.kind_seen": "1", "s.message_1.text.zh-TW": "嗨 {name}",
                                                "s.message_1.text.en": "Hi {name}", "s.message_1.buttons": "yes | 好 | OK | 好",
                                                "s.wait_1.kind_seen": "1", "s.wait_1.days": "2"})
    assert saved.status_code == 200 and "旅程已儲存" in saved.text, saved.text[:500]
    assert "嗨 王小明" in saved.text and "Hi 王小明" in saved.text  # the preview, in each language
    with runtime.sessions() as session:
        journey = session.scalar(select(Journey).where(Journey.name == "新會員"))
        steps = session.get(JourneyVersion, journey.current_version_id).steps
    assert journey.status == "draft" and steps[0]["buttons"] == [{"answer": "yes", "label": {"zh-TW": "好", "en": "OK",
                                                                                              "zh-CN": "好"}}]
    assert steps[1] == {"id": "wait_1", "kind": "wait", "days": 2}
    on = marketer.post(f"/console/journeys/{journey.id}/status", {"status": "active"})
    assert on.status_code == 200 and 'id="journey-status">啟用中' in on.text


def test_switching_on_a_template_and_the_numbers_and_the_customer_panel(console, runtime):
    marketer = console("marketer")
    page = marketer.post("/console/journeys/templates/lead_to_first_purchase", {"holdout": "0"})
    assert page.status_code == 200 and "旅程已啟用" in page.text and 'id="step-offer"' in page.text
    cid = customer(runtime, "Upanel", display_name="林<b>大</b>")
    with runtime.sessions.begin() as session:
        hooks.signal(session, cid, "lead_captured", {}, T0)
    tick(runtime, T0)
    with runtime.sessions() as session:
        journey_id = session.scalar(select(Journey.id).where(Journey.template == "lead_to_first_purchase"))
    stats = marketer.get(f"/console/journeys/{journey_id}").text
    assert re.search(r'data-count="entered">1<', stats) and re.search(r'data-count="waiting">1<', stats)
    profile = console("staff").get(f"/console/customers/{cid}").text
    assert "從名單到首次購買 · 下一步 發送訊息" in profile  # the next step: send a message
    assert "<b>大</b>" not in profile
