"""Money and figures are formatted by Babel with the shop's fixed patterns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n.formats import amount_figure, money


@pytest.mark.parametrize(("amount", "language", "expected"), [
    (Decimal("1000.00"), "zh-TW", "1000.00"),  # a recorded amount keeps its cents, no grouping
    (Decimal("400"), "zh-TW", "400"),
    (Decimal("-12.5"), "en", "-12.5"),
    (680, "zh-CN", "680"),
])
def test_an_amount_figure_keeps_the_precision_it_was_recorded_with(amount, language, expected):
    assert amount_figure(amount, language) == expected


@pytest.mark.parametrize(("amount", "expected"), [(1250, "NT$1,250"), (Decimal("99.50"), "NT$99.50"), (Decimal("1000.00"), "NT$1,000")])
def test_a_price_is_whole_dollars_unless_it_has_cents(amount, expected):
    assert money(amount, "zh-TW") == money(amount, "en") == expected
