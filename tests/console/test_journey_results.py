"""A journey's results are honest: the holdout comparison and the A/B variants use Newcombe's
interval with a "too small to conclude" verdict, and the builder shows what a holdout can detect."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.marketing.journey_results import journey_stats
from models import Customer, Journey, JourneyEnrollment
from tests.journeys.helpers import T0, journey, message


def _enter(runtime, journey_id, rows):
    """rows: (group, variant, converted) per customer."""
    with runtime.sessions.begin() as session:
        version = session.get(Journey, journey_id).current_version_id
        people = [Customer(display_name=f"c{i}") for i in range(len(rows))]
        session.add_all(people)
        session.flush()
        session.add_all([JourneyEnrollment(
            journey_id=journey_id, version_id=version, customer_id=person.id, entry_key=f"e{person.id}", group=group,
            variant=variant, status="converted" if converted else "active", entered_at=T0,
            converted_at=T0 + timedelta(days=1) if converted else None)
            for person, (group, variant, converted) in zip(people, rows, strict=True)])


def _split_journey(runtime, name):
    return journey(runtime, {"name": name, "goal": "first_purchase", "steps": [{"id": "ab", "kind": "split", "variants": [
        {"name": "a", "percent": 50, "steps": [message("ma", "A")]},
        {"name": "b", "percent": 50, "steps": [message("mb", "B")]}]}]})


def _stats(runtime, journey_id):
    with runtime.sessions() as session:
        return journey_stats(session, session.get(Journey, journey_id), T0 + timedelta(days=2))


def test_a_variant_leads_only_when_its_interval_against_the_runner_up_excludes_zero(runtime):
    clear = _split_journey(runtime, "clear")
    _enter(runtime, clear, [("treated", "a", i < 16) for i in range(20)] + [("treated", "b", i < 2) for i in range(20)])
    stats = _stats(runtime, clear)
    assert stats.variant_comparison.verdict == "raised" and stats.leading_variant == "a"
    low, high = stats.variant_comparison.interval
    assert 0 < low < 0.6 < high < 1

    few = _split_journey(runtime, "few")
    _enter(runtime, few, [("treated", "a", i < 3) for i in range(5)] + [("treated", "b", i < 1) for i in range(5)])
    stats = _stats(runtime, few)
    assert stats.ahead_variant == "a" and stats.variant_comparison.verdict == "too_small" and stats.leading_variant is None


def test_the_holdout_comparison_is_too_small_to_conclude_on_a_handful(runtime, console):
    small = journey(runtime, {"name": "small", "goal": "first_purchase", "holdout_percent": 30, "steps": [message("m", "hi")]})
    _enter(runtime, small, [("treated", None, True)] * 4 + [("holdout", None, False)] * 2)
    stats = _stats(runtime, small)
    assert stats.lift.verdict == "too_small" and stats.lift.mde is not None
    page = console("marketer").get(f"/console/journeys/{small}").text
    assert "太少" in re.search(r'id="conversion-sentence">(.*?)</p>', page, re.S).group(1)
    assert 'id="conversion-mde"' in page


def test_the_builder_shows_the_minimum_detectable_effect_of_the_chosen_holdout(runtime, console):
    marketer = console("marketer")
    none = journey(runtime, {"name": "no holdout", "holdout_percent": 0, "steps": [message("m", "hi")]})
    ten = journey(runtime, {"name": "ten", "holdout_percent": 10, "steps": [message("m", "hi")]})
    table = re.compile(r'<table id="holdout-mde".*?</table>', re.S)
    assert "沒有對照組" in table.search(marketer.get(f"/console/journeys/{none}").text).group(0)
    rows = re.findall(r"<td>(\d+)</td><td>([\d.]+) ", table.search(marketer.get(f"/console/journeys/{ten}").text).group(0))
    assert [int(n) for n, _ in rows] == [500, 2000, 10000]
    points = [float(p) for _, p in rows]
    assert points == sorted(points, reverse=True) and 1 < points[-1] < points[0] < 20
