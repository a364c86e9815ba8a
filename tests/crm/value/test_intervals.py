"""Newcombe's hybrid score interval against the published worked examples (Newcombe 1998, Statistics
in Medicine 17:873-890, table II, method 10), the 9-vs-3 case that the old normal approximation got wrong, and the minimum
detectable effect."""

from __future__ import annotations

import pytest

from bot.crm.value.intervals import minimum_detectable_effect, newcombe, too_small, wilson

PUBLISHED = [  # (x1, n1, x0, n0) -> method 10 limits, to 4 decimals as printed
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "limits"), PUBLISHED)
def test_newcombe_matches_the_published_examples(counts, limits):
    assert newcombe(*counts) == pytest.approx(limits, abs=5e-5)


def test_wilson_matches_the_textbook_value():
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)  # Newcombe 1998b, example 81/263


def test_nine_treated_against_three_controls_is_too_small_and_honestly_wide():
    low, high = newcombe(6, 9, 0, 3)  # the normal approximation said +35.9 to +97.5 points
    assert low < 0.05 and high < 0.9 and high - low > 0.8
    assert too_small(6, 9, 0, 3)
    assert not too_small(120, 2000, 82, 2000)


def test_minimum_detectable_effect_shrinks_with_the_square_root_of_the_groups():
    small = minimum_detectable_effect(900, 100, 0.05)
    large = minimum_detectable_effect(3600, 400, 0.05)
    assert small == pytest.approx(2 * large)
    # 2.80 standard errors of a difference at 5 %: 0.05 * 0.95 * (1/900 + 1/100) = 0.02297 -> 0.0644
    assert small == pytest.approx(0.0644, abs=5e-4)
    assert minimum_detectable_effect(100, 0, 0.05) is None
