"""Reference data (FAQ answers, complaint phrases, coupon templates, console settings) is cached per
process and re-read only when its version stamp changes; every way of writing it bumps the stamp."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import insert, update

from bot.crm import complaint_phrases
from bot.crm.faq_store import cached_faq_entries
from bot.crm.reference_cache import cached, forget, reference_stamp
from bot.runtime import Runtime
from models import CouponTemplate, FaqAnswer


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    forget()


def stamp(runtime: Runtime) -> int | None:
    with runtime.sessions.begin() as session:
        return reference_stamp(session)


def counting_loads(runtime: Runtime) -> tuple[Callable[[], object], list[int]]:
    loads: list[int] = []

    def read() -> object:
        with runtime.sessions.begin() as session:
            return cached(session, "probe", runtime.settings, lambda s: loads.append(1) or len(loads))
    return read, loads


def test_a_second_read_comes_from_the_cache_and_an_edit_reloads(runtime: Runtime) -> None:
    read, loads = counting_loads(runtime)
    assert read() == read() == 1 and len(loads) == 1
    with runtime.sessions.begin() as session:
        session.add(FaqAnswer(position=99, keywords=["parking"], answer={"en": "Behind the shop."}))
    assert read() == 2 and read() == 2


@pytest.mark.parametrize("write", ["orm_faq", "bare_connection_faq", "coupon_template", "phrases_saved_and_reset"])
def test_every_way_of_writing_reference_data_bumps_the_stamp(runtime: Runtime, write: str) -> None:
    before = stamp(runtime)
    assert before is not None
    if write == "orm_faq":
        with runtime.sessions.begin() as session:
            session.add(FaqAnswer(position=1, keywords=["wifi"], answer={"en": "Yes."}))
    elif write == "bare_connection_faq":  # no ORM, no session: the trigger still sees it
        with runtime.engine.begin() as connection:
            connection.execute(insert(FaqAnswer).values(position=2, keywords=["toilet"], answer={"en": "Upstairs."}))
    elif write == "coupon_template":
        with runtime.engine.begin() as connection:
            connection.execute(insert(CouponTemplate).values(code="bench10", kind="amount", value=10, name={"en": "10 off"},
                                                              validity_days=30))
        middle = stamp(runtime)
        assert middle != before
        before = middle
        with runtime.sessions.begin() as session:
            session.execute(update(CouponTemplate).where(CouponTemplate.code == "bench10").values(active=False))
    else:
        lists = runtime.settings.complaints
        with runtime.sessions.begin() as session:
            complaint_phrases.save_phrase_lists(session, lists, None)
        middle = stamp(runtime)
        assert middle != before
        before = middle
        with runtime.sessions.begin() as session:
            assert complaint_phrases.reset_phrase_lists(session)
    assert stamp(runtime) not in (None, before)


def test_faq_edited_elsewhere_is_answered_from_the_next_read(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        first = cached_faq_entries(session, runtime.settings)
    with runtime.engine.begin() as connection:  # another process's edit: only the database knows
        connection.execute(insert(FaqAnswer).values(position=100, keywords=["umbrella"], answer={"en": "By the door."}))
    with runtime.sessions.begin() as session:
        second = cached_faq_entries(session, runtime.settings)
    assert "umbrella" not in {k for e in first for k in e.keywords}
    assert "umbrella" in {k for e in second for k in e.keywords}


def test_saved_phrase_lists_are_seen_by_the_detector_at_once(runtime: Runtime) -> None:
    import dataclasses

    with runtime.sessions.begin() as session:
        assert complaint_phrases.cached_phrase_lists(session, runtime.settings) == runtime.settings.complaints
    changed = dataclasses.replace(runtime.settings.complaints, words=("soggy pages",))
    with runtime.sessions.begin() as session:
        complaint_phrases.save_phrase_lists(session, changed, None)
    with runtime.sessions.begin() as session:
        assert complaint_phrases.cached_phrase_lists(session, runtime.settings).words == ("soggy pages",)
