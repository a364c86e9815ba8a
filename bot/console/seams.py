"""Where the console meets models that are not in this branch yet: coupons, points, tiers' names.
Each seam returns "nothing yet" today, and says exactly what replaces it at integration; the pages already show a panel for it.

Kept in one file on purpose: the integrator changes these functions and nothing in the views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from models import Customer


@dataclass(frozen=True)
class ProfilePanel:
    """A titled list of lines shown beside the conversation (coupons, points, appointments...)."""

    title: str
    lines: Sequence[str] = field(default_factory=tuple)
    waiting_for: str | None = None  # set while the model behind it is not integrated


def profile_panels(session: Session, customer: Customer) -> list[ProfilePanel]:
    """SEAM (loyalty, coupons): the panels of the customer profile that wait for other models.

    Integration: return the points balance and recent ledger (issue-5a points ledger) and the
    customer's coupons with status (issue-5a coupons). Tickets, appointments, consent requests and
    surveys are integrated: bot/console/care_panels.py.
    """
    return [
        ProfilePanel("Points and ledger", waiting_for="points ledger (issue-5a)"),
        ProfilePanel("Coupons", waiting_for="coupons (issue-5a)"),
    ]


@dataclass(frozen=True)
class RecoveryCoupon:
    """A coupon template staff may give when resolving a complaint (an apology coupon)."""

    code: str
    label: str


def recovery_coupon_templates() -> list[RecoveryCoupon]:
    """SEAM (coupons): the templates offered as a recovery action when a ticket is resolved.

    Empty until the coupons model (issue-5a) is merged, and the resolve form shows no coupon choice
    while it is empty. Integration: return the active templates marked for service recovery, and
    make `issue_recovery_coupon` issue one to the ticket's customer.
    """
    return []


def issue_recovery_coupon(session: Session, customer_id: int, template_code: str) -> None:
    """SEAM (coupons): issue the chosen recovery coupon. Refuses every code until coupons exist,
    so a forged form value cannot pretend a coupon was given."""
    raise LookupError(f"no recovery coupon template {template_code!r} (coupons are not installed)")


def customer_points(session: Session, customer_ids: Sequence[int]) -> dict[int, int] | None:
    """SEAM (loyalty): point balances for broadcast text's {points}; None = no points ledger yet,
    and a broadcast that uses {points} is refused with a clear message until then."""
    return None


def tier_label(tier: int | None, language: str) -> str:
    """SEAM (tiers): the name of a value tier for {tier} and the pages. Integration: the tier
    names configured with the tier rules (issue-5a); until then the number (1 = key customers)."""
    if tier is None:
        return ""
    return f"第 {tier} 級" if language.startswith("zh") else f"tier {tier}"


def coupon_redemptions(session: Session, customer_ids: Sequence[int], start: datetime, end: datetime) -> set[int] | None:
    """SEAM (coupons): which of these customers redeemed a coupon in [start, end), for broadcast
    results (treated against control). None = no coupon model yet; the results page says so."""
    return None


def report_seams() -> list[tuple[str, str]]:
    """SEAM (reports): reports that wait for other models: (title, what it needs). CSAT, SLA
    compliance and complaint recovery are integrated (bot/marketing/care_reports.py)."""
    return []
