"""The purchase form's refund part: which of the customer's purchases a refund can name, and the
refusals of `bot.crm.orders.check_refund` said in the staff member's language.

Why only display here: the rule itself (same customer, a purchase, no more than is left) is
checked once, in bot/crm/orders.py under the customer's row lock; this module shows what is left using
the same `refundable` and translates the refusal codes, so the form and the API never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.i18n import gettext as _
from bot.console.i18n import reader_locale
from bot.console.purchases import PurchaseError, parse_refund_of
from bot.crm.orders import refundable
from bot.i18n.formats import amount_figure
from models import Order

RECENT_PURCHASES = 30  # purchases offered a page; older pages and a search by order number find the rest
MAX_PAGE = 10_000


@dataclass(frozen=True)
class RefundChoice:
    id: int
    placed_at: datetime
    amount: Decimal
    left: Decimal


@dataclass(frozen=True)
class RefundChoices:
    """One page of the customer's purchases a refund can name, newest first (`page` 0 is the
    newest 30), or the purchase an order number found; `more` says an older page exists."""

    choices: list[RefundChoice]
    page: int = 0
    more: bool = False
    find: str = ""
    not_found: bool = False


def refund_choices(session: Session, customer_id: int, page: int = 0, find: str = "") -> RefundChoices:
    """The purchases of this page (or the one `find` names: "123" or "#123") still having something
    left to refund. Why pages and a search: a loyal customer's purchase from two years ago must be
    refundable from the console too, not only the newest 30."""
    query = select(Order).where(Order.customer_id == customer_id, Order.amount > 0)
    find = find.strip()
    if find:
        try:
            order_id = parse_refund_of(find.lstrip("#＃"))
        except PurchaseError:  # not a number: nothing to find, said as such
            order_id = None
        found = list(session.scalars(query.where(Order.id == order_id))) if order_id else []
        choices = _with_left(session, found)
        return RefundChoices(choices, find=find, not_found=not choices)
    page = min(max(page, 0), MAX_PAGE)
    purchases = list(session.scalars(query.order_by(Order.placed_at.desc(), Order.id.desc())
                                     .offset(page * RECENT_PURCHASES).limit(RECENT_PURCHASES + 1)))
    return RefundChoices(_with_left(session, purchases[:RECENT_PURCHASES]), page=page, more=len(purchases) > RECENT_PURCHASES)


def _with_left(session: Session, purchases: list[Order]) -> list[RefundChoice]:
    choices = [RefundChoice(p.id, p.placed_at, Decimal(p.amount), refundable(session, p)) for p in purchases]
    return [c for c in choices if c.left > 0]


def error_text(session: Session, error: PurchaseError, refund_of: str | None) -> str:
    """What to show next to the field: a refund refusal in the console's words, else the message;
    `refund_of` is the form's value, to say how much is left of that purchase."""
    texts: dict[str, Callable[[], str]] = {
        "refund_needs_order": lambda: _("A refund (a negative amount) must name the purchase it refunds."),
        "refund_of_invalid": lambda: _("Choose the refunded purchase from the list."),
        "refund_of_purchase": lambda: _("Only a refund (a negative amount) names a purchase: make the amount negative or choose no purchase."),
        "refund_order_not_found": lambda: _("No such purchase."),
        "refund_wrong_customer": lambda: _("This purchase belongs to another customer."),
        "refund_of_refund": lambda: _("This order is itself a refund."),
        "refund_exceeds_paid": lambda: _("The refund is more than the NT${left} left to refund of this purchase.",
                                         left=_left(session, refund_of)),
    }
    text = texts.get(error.reason or "")
    return text() if text else error.message


def _left(session: Session, refund_of: str | None) -> str:
    """What is left of the purchase the refused refund named (read again: it is only shown)."""
    order_id = parse_refund_of(refund_of)
    purchase = session.get(Order, order_id) if order_id else None
    return amount_figure(refundable(session, purchase).quantize(Decimal("0.01")), reader_locale()) if purchase is not None else "?"
