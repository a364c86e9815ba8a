"""Intervals for a difference of two proportions that hold for small groups.

Why not the normal approximation (Wald): with 9 treated against 3 controls it claims "+35.9 to
+97.5 points" from a handful of people, and with 0 or all buyers its width collapses to zero.
Newcombe's hybrid score interval (Newcombe 1998, method 10) combines the two groups' Wilson score
intervals: its coverage stays close to 95 % down to a few people per group, it never leaves
[-1, 1], and it needs nothing but square roots.

Minimum detectable effect: the smallest true difference a test at 5 % would detect with 80 %
power for the chosen group sizes, so a marketer setting a holdout sees what it can and cannot show.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # two-sided 5 %
Z80 = 0.8416212335729143  # one-sided 20 % (80 % power)
# Below this many people in the smaller group, or this many buyers in both groups together, no
# interval is informative enough to act on: the console says "too small to conclude".
MIN_GROUP = 10
MIN_EVENTS = 5


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of one proportion (no continuity correction)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x0: int, n0: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p0 (method 10 of Newcombe 1998)."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, z)
    l0, u0 = wilson(x0, n0, z)
    d = p1 - p0
    return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def too_small(x1: int, n1: int, x0: int, n0: int) -> bool:
    """True when the groups are too small for any conclusion, whatever the interval says."""
    return min(n1, n0) < MIN_GROUP or x1 + x0 < MIN_EVENTS


def minimum_detectable_effect(n1: int, n0: int, baseline: float) -> float | None:
    """Smallest difference in proportion (absolute) detectable at 5 % two-sided with 80 % power,
    for a baseline rate `baseline`; None when a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return None
    p = min(max(baseline, 0.001), 0.999)
    return (Z95 + Z80) * math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))


def holdout_sizes(audience: int, holdout_percent: int) -> tuple[int, int]:
    """(treated, control) sizes for an audience and a holdout share, as the planner draws them."""
    control = round(audience * holdout_percent / 100)
    return audience - control, control


def mde_by_audience(holdout_percent: int, baseline: float, audiences: tuple[int, ...] = (500, 2000, 10000)) -> list[tuple[int, float | None]]:
    """(audience, minimum detectable effect) for a few audience sizes at one holdout share: the hint
    shown where a marketer sets the control group."""
    return [(audience, minimum_detectable_effect(*holdout_sizes(audience, holdout_percent), baseline)) for audience in audiences]
