""""What they bought" on a customer's profile: one line per product, from the order lines, with
the catalogue's name in the reader's language and its category (what segments filter on)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.console.base import current_language
from bot.console.commerce_panels import ProfilePanel
from bot.console.i18n import gettext as _
from bot.console.views import runtime
from bot.crm import products

BOUGHT_TITLE = "What they bought"
BOUGHT_LINES = 20


def bought_panel(session: Session, customer_id: int) -> ProfilePanel:
    items = products.bought_items(session, customer_id, current_language(), runtime().settings.app.default_language,
                                  limit=BOUGHT_LINES)
    lines = [_("{name} · {category} · ×{quantity} · last {date}", name=f"{i.name} ({i.sku})" if i.sku else i.name,
               category=i.category or _("not in the catalogue"), quantity=i.quantity, date=f"{i.last:%Y-%m-%d}")
             for i in items]
    return ProfilePanel(BOUGHT_TITLE, lines or ["—"])
