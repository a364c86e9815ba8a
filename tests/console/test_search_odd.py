"""Console search answers a normal page whatever is typed into it, on both databases.

Why each input: `²` is a digit to Python's `isdigit` but not to `int`; a 30-digit number is no
database integer; PostgreSQL refuses NUL in text; %ED%A0%80 is a lone surrogate in UTF-8; and
`%`, `_`, `\\` are LIKE's own characters, which must match themselves.
"""

from __future__ import annotations

import pytest

from tests.console.factories import add_customer

ODD = ["²", "#²", "1²", "123456789012345678901234567890", "#123456789012345678901234567890", "9223372036854775808",
       "a\x00b", "\x00", "%", "_", "\\", "%_\\", "x" * 10000, "١٢٣", "+886 ²³⁴ 567", "\x07\x1b[31m", "'; drop table customers; --"]


@pytest.mark.parametrize("query", ODD, ids=range(len(ODD)))
def test_odd_search_answers_a_normal_page(console, query):
    answer = console("staff").get("/console/customers", params={"q": query})
    assert answer.status_code == 200 and 'id="customer-list"' in answer.text, answer.text[:300]


def test_lone_surrogate_and_bad_utf8_in_the_address(console):
    staff = console("staff")
    for raw in ("%ED%A0%80", "%ED%B2%80x", "%FF%FE", "abc%00def", "%C0%AF"):
        answer = staff.get(f"/console/customers?q={raw}")
        assert answer.status_code == 200 and 'id="customer-list"' in answer.text, (raw, answer.text[:300])


def test_like_characters_match_only_themselves(console, runtime):
    with runtime.sessions.begin() as session:
        percent = add_customer(session, "100% Ann").id
        underscore = add_customer(session, "snake_case").id
        backslash = add_customer(session, "back\\slash").id
        add_customer(session, "plain Bob")
    staff = console("staff")
    for query, expected in (("%", percent), ("_", underscore), ("\\", backslash)):
        page = staff.get("/console/customers", params={"q": query}).text
        listed = page.count('<tr><td><a href="/console/customers/')
        assert listed == 1 and f'/console/customers/{expected}"' in page, (query, listed)


def test_a_number_still_finds_the_customer_by_id(console, runtime):
    with runtime.sessions.begin() as session:
        wanted = add_customer(session, "Numbered").id
    page = console("staff").get("/console/customers", params={"q": f"#{wanted}"}).text
    assert f'/console/customers/{wanted}"' in page
