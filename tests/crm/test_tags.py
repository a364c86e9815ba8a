"""Tags: one cleaned name wherever it comes from, every change kept with its source, the signal
automations start from fired once per real addition, renames everywhere, colours checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.crm import hooks, tags
from models import Customer, TagChange
from tests.commerce import add_customer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def signals():
    seen: list[tuple[int, str, dict]] = []

    def listen(signal: hooks.CustomerSignal) -> None:
        seen.append((signal.customer.id, signal.name, signal.properties))

    hooks.on_signal(listen)
    yield seen
    hooks.remove_signal_callback(listen)


def test_add_and_remove_keep_history_and_fire_once(runtime, signals):
    customer_id = add_customer(runtime)
    with runtime.sessions.begin() as session:
        customer = session.get(Customer, customer_id)
        assert tags.add_tag(session, customer, " ＶＩＰ ", source="staff:1", now=NOW) is True
        assert tags.add_tag(session, customer, "VIP", source="button", now=NOW) is False  # same tag after NFKC
        assert tags.add_tag(session, customer, "喜歡  咖啡", source="journey:2", now=NOW) is True
        assert tags.remove_tag(session, customer, "VIP", source="staff:1", now=NOW) is True
        assert tags.remove_tag(session, customer, "VIP", source="staff:1", now=NOW) is False
    with runtime.sessions() as session:
        assert session.get(Customer, customer_id).tags == ["喜歡 咖啡"]
        changes = [(change.tag, change.action, change.source) for change in reversed(tags.history(session, customer_id))]
        assert changes == [("VIP", "added", "staff:1"), ("喜歡 咖啡", "added", "journey:2"), ("VIP", "removed", "staff:1")]
        assert [(use.name, use.customers) for use in tags.list_tags(session)] == [("VIP", 0), ("喜歡 咖啡", 1)]
    assert signals == [(customer_id, "tag_added", {"tag": "VIP"}), (customer_id, "tag_added", {"tag": "喜歡 咖啡"})]


@pytest.mark.parametrize(("name", "problem"), [("", "empty"), ("   ", "empty"), ("a\x00b", "control"), ("x" * 51, "at most 50")])
def test_bad_names_are_refused_with_the_reason(runtime, name, problem):
    customer_id = add_customer(runtime)
    with runtime.sessions.begin() as session, pytest.raises(tags.TagError, match=problem):
        tags.add_tag(session, session.get(Customer, customer_id), name, source="staff:1", now=NOW)


def test_rename_changes_every_customer_and_refuses_a_taken_name(runtime):
    first, second, third = (add_customer(runtime) for _ in range(3))
    with runtime.sessions.begin() as session:
        assert tags.tag_customers(session, [first, second], "summer", source="segment:4", now=NOW) == 2
        tags.add_tag(session, session.get(Customer, third), "winter", source="staff:1", now=NOW)
    with runtime.sessions.begin() as session:
        assert tags.rename_tag(session, "summer", "summer 2026", source="staff:1", now=NOW) == 2
        with pytest.raises(tags.TagError, match="exists already"):
            tags.rename_tag(session, "summer 2026", "winter", source="staff:1", now=NOW)
    with runtime.sessions() as session:
        assert [session.get(Customer, cid).tags for cid in (first, second, third)] == [["summer 2026"], ["summer 2026"], ["winter"]]
        renamed = session.scalars(select(TagChange.source).where(TagChange.action == "renamed")).all()
        assert renamed == ["staff:1 (was summer)"] * 2


def test_colour_must_be_hex(runtime):
    with runtime.sessions.begin() as session:
        assert tags.set_colour(session, "vip", "#FFAA00").colour == "#ffaa00"
        assert tags.set_colour(session, "vip", None).colour is None
        with pytest.raises(tags.TagError, match="#rrggbb"):
            tags.set_colour(session, "vip", "red")


def test_counts_per_tag_come_from_sql_and_skip_what_is_not_a_list(runtime):
    """list_tags counts in the database (json_each / jsonb_array_elements_text); a customer
    without tags, with an empty list or with a non-list value counts for nothing."""
    ids = [add_customer(runtime) for _ in range(5)]
    with runtime.sessions.begin() as session:
        tags.tag_customers(session, ids[:3], "summer", source="segment:4", now=NOW)
        tags.tag_customers(session, ids[1:2], "喜歡 咖啡", source="staff:1", now=NOW)
        tags.set_colour(session, "summer", "#aabbcc")
        session.get(Customer, ids[3]).tags = []
        session.get(Customer, ids[4]).tags = {"not": "a list"}  # type: ignore[assignment]
    with runtime.sessions() as session:
        assert tags.carried_counts(session) == {"summer": 3, "喜歡 咖啡": 1}
        assert [(use.name, use.colour, use.customers) for use in tags.list_tags(session)] == [
            ("summer", "#aabbcc", 3), ("喜歡 咖啡", None, 1)]
