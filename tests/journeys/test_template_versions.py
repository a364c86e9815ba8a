"""Built-in templates after the shop switched them on: the win-back's churn-risk threshold is the
shop's setting (0 to 1, 0.6 by default), and a template changed in code is offered as a newer
version that customers entering later follow, while customers already inside keep theirs."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from bot.crm.journeys import templates
from bot.crm.journeys.definition import JourneyError, validate_journey
from bot.crm.journeys.enrollment import enroll
from bot.crm.journeys.templates import CHURN_RISK, enable, upgrade_available
from models import Journey, JourneyVersion
from tests.cli.test_cli_commands import invoke
from tests.journeys.helpers import T0, customer, enrollment, texts, tick

WINBACK_RISK_ERROR = "trigger.churn_risk: a probability from 0 to 1 (e.g. 0.6)"


def winback(runtime) -> Journey:
    with runtime.sessions() as session:
        journey = session.scalar(select(Journey).where(Journey.template == "winback_gold"))
        assert journey is not None
        session.expunge(journey)
        return journey


def test_the_winback_threshold_is_a_setting_from_0_to_1(runtime):
    assert invoke("journeys", "templates", settings=runtime.settings).exit_code == 0  # the defaults are switched on
    assert winback(runtime).trigger["churn_risk"] == CHURN_RISK == 0.6
    changed = invoke("journeys", "enable", "winback_gold", "--churn-risk", "0.75", settings=runtime.settings)
    assert changed.exit_code == 0, changed.output
    trigger = winback(runtime).trigger
    assert trigger["churn_risk"] == 0.75 and trigger["gap_factor"] and trigger["tiers"]  # the rest kept
    too_high = invoke("journeys", "enable", "winback_gold", "--churn-risk", "1.5", settings=runtime.settings)
    assert too_high.exit_code == 2 and "1.5" in too_high.output
    other = invoke("journeys", "enable", "tier_up", "--churn-risk", "0.5", settings=runtime.settings)
    assert other.exit_code == 1 and "the template tier_up does not enter customers by churn risk" in other.output
    with runtime.sessions.begin() as session, pytest.raises(JourneyError) as refused:
        enable(session, runtime.settings, "winback_gold", T0, churn_risk=-0.1)
    assert refused.value.problems == [WINBACK_RISK_ERROR]

    base = {"name": "w", "steps": [{"id": "m", "kind": "task", "title": "call"}]}
    for good in (0, 0.6, 1):
        assert validate_journey({**base, "trigger": {"kind": "no_purchase", "days": 30, "churn_risk": good}}) == []
    for bad in (1.01, -0.5, True, math.nan, "0.6", None):
        trigger = {"kind": "no_purchase", "days": 30, "churn_risk": bad}
        assert validate_journey({**base, "trigger": trigger}) == ([] if bad is None else [WINBACK_RISK_ERROR]), bad


def _first(settings):
    return {"name": "Tier up (test)", "trigger": {"kind": "tier_up"}, "reentry": "every",
            "steps": [{"id": "wait", "kind": "wait", "days": 1},
                      {"id": "hello", "kind": "message", "text": {"zh-TW": "old words"}}]}


def _second(settings):
    data = _first(settings)
    data["steps"][1]["text"] = {"zh-TW": "new words"}
    return data


def test_a_changed_template_is_offered_and_the_upgrade_applies_to_later_entries_only(runtime, monkeypatch):
    from datetime import timedelta

    monkeypatch.setitem(templates.TEMPLATES, "tier_up", _first)
    with runtime.sessions.begin() as session:
        journey = enable(session, runtime.settings, "tier_up", T0, holdout=0)
        journey.name = "Our tier-up"  # the shop's own name survives an upgrade
        jid = journey.id
        assert not upgrade_available(session, runtime.settings, journey)
    inside = customer(runtime, "Uinside")
    with runtime.sessions.begin() as session:
        enroll(session, session.get(Journey, jid), inside, T0)

    monkeypatch.setitem(templates.TEMPLATES, "tier_up", _second)  # the code's template changes
    listed = invoke("journeys", "templates", settings=runtime.settings).output
    assert "a newer version is available (journeys enable tier_up --upgrade)" in listed
    upgraded = invoke("journeys", "enable", "tier_up", "--upgrade", settings=runtime.settings)
    assert upgraded.exit_code == 0 and "version 2" in upgraded.output, upgraded.output
    assert "newer version" not in invoke("journeys", "templates", settings=runtime.settings).output

    later = customer(runtime, "Ulater")
    with runtime.sessions.begin() as session:
        enroll(session, session.get(Journey, jid), later, T0)
        assert session.get(Journey, jid).name == "Our tier-up"
        assert [v.number for v in session.scalars(select(JourneyVersion).where(JourneyVersion.journey_id == jid)
                                                   .order_by(JourneyVersion.number))] == [1, 2]
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(days=2))
    assert texts(runtime, inside) == ["old words"] and texts(runtime, later) == ["new words"]
    assert enrollment(runtime, inside, jid).version_id != enrollment(runtime, later, jid).version_id


def test_a_journey_made_before_digests_compares_with_its_first_version(runtime, monkeypatch):
    monkeypatch.setitem(templates.TEMPLATES, "tier_up", _first)
    with runtime.sessions.begin() as session:
        journey = enable(session, runtime.settings, "tier_up", T0)
        journey.template_digest = None
        assert not upgrade_available(session, runtime.settings, journey)
        monkeypatch.setitem(templates.TEMPLATES, "tier_up", _second)
        assert upgrade_available(session, runtime.settings, journey)
