"""Products a journey message shows as a card carousel: `{recommendations}` (what this customer
may like) and `{bought_together}` (what goes with the order that started the journey).

Why the picking lives here and the figures in `bot.crm.value`: the nightly models compute the
recommendations and the bought-together pairs once for everyone (`bot.crm.value.reads`); a lead
who has bought nothing has no recommendation yet, so for them the best sellers of the categories
they chose as interests at sign-up stand in, read when the message is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.crm.products import display_name
from bot.crm.value.reads import customer_recommendations
from bot.events import CAROUSEL_LIMIT, Card, CardField
from bot.i18n import text
from bot.i18n.formats import money
from models import Customer, OrderLine, Product, ProductPair

LIMIT = 5  # cards in one message: a short carousel reads better than LINE's ten


def for_customer(session: Session, customer: Customer, limit: int = LIMIT) -> list[Product]:
    """The customer's nightly recommendations still on sale; else the best sellers of their interests."""
    products = [p for _, _, p in customer_recommendations(session, customer.id) if p is not None and p.active][:limit]
    if products or not customer.interests:
        return products
    bought = func.count(OrderLine.id)
    return list(session.scalars(
        select(Product).outerjoin(OrderLine, OrderLine.sku == Product.sku)
        .where(Product.active.is_(True), Product.category.in_([str(i) for i in customer.interests]))
        .group_by(Product.id).order_by(bought.desc(), Product.id).limit(limit)))


def bought_together(session: Session, order_id: int, limit: int = LIMIT) -> list[Product]:
    """Products often bought with the order's, highest lift first, leaving out what it already had."""
    in_order = select(OrderLine.sku).where(OrderLine.order_id == order_id, OrderLine.sku.is_not(None))
    best = func.max(ProductPair.lift)
    return list(session.scalars(
        select(Product).join(ProductPair, ProductPair.related_sku == Product.sku)
        .where(ProductPair.sku.in_(in_order), Product.sku.not_in(in_order), Product.active.is_(True))
        .group_by(Product.id).order_by(best.desc(), Product.id).limit(limit)))


def cards(products: Sequence[Product], language: str, default_language: str) -> tuple[Card, ...]:
    """One card per product (its name, price and picture), as LINE shows a Flex carousel."""
    label = text("journeys.card_price", language)
    return tuple(Card(title=display_name(p, language, default_language), image_url=p.image_url,
                      fields=(CardField(label, money(p.price, language)),) if p.price is not None else ())
                 for p in products[:CAROUSEL_LIMIT])


def names(products: Sequence[Product], language: str, default_language: str) -> str:
    """The products in words, for the text every channel shows (and LINE's notification)."""
    return "、".join(display_name(p, language, default_language) for p in products) if language.startswith("zh") \
        else ", ".join(display_name(p, language, default_language) for p in products)

