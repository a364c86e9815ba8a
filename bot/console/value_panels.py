"""The customer-value panels of a customer's page: lifetime value, churn risk, cluster
and strategy, a loss flag, and what to suggest to this customer. Scores only: staff and
marketers alike may see them (no message text)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.console.base import current_language
from bot.console.commerce_panels import ProfilePanel
from bot.console.i18n import gettext as _
from bot.console.views import runtime
from bot.crm.value import reads
from bot.i18n.formats import money

VALUE_TITLE = "Customer value"
SUGGEST_TITLE = "Suggest to this customer"
STRATEGY_WORDS = {"retain": "retain", "grow": "cross-sell / up-sell", "watch": "watch", "abandon": "abandon"}


def value_panels(session: Session, customer_id: int) -> list[ProfilePanel]:
    settings = runtime().settings
    language = current_language()
    figures = reads.customer_figures(session, customer_id)
    if figures is None:
        return [ProfilePanel(VALUE_TITLE, [_("No figures yet: they come from the nightly run, for customers who bought.")])]
    lines = []
    if figures.expected_spend is not None and figures.expected_purchases is not None:
        lines.append(_("Expected in the next {weeks} weeks: {purchases} purchases, {spend}", weeks=settings.value.horizon_weeks,
                       purchases=f"{figures.expected_purchases:.1f}", spend=money(round(figures.expected_spend), language)))
    if figures.p_alive is not None:
        lines.append(_("Probability still a customer: {percent} %", percent=f"{100 * figures.p_alive:.0f}"))
    if figures.churn_risk is not None:
        lines.append(_("Churn risk (no purchase in {days} days): {percent} %", days=settings.value.churn_days,
                       percent=f"{100 * figures.churn_risk:.0f}"))
        if not figures.churn_trusted:
            lines.append(_("The churn model is not trustworthy for this shop yet; use the churn watch."))
    if figures.cluster is not None:
        lines.append(_("Cluster {number}: {strategy}", number=figures.cluster, strategy=_(STRATEGY_WORDS.get(figures.strategy or "", "watch"))))
    if figures.loss:
        lines.append(_("Refunds and coupons exceed the margin on their purchases: for a person to decide."))
    suggestions = [f"{(product.name or {}).get(language) or (product.name or {}).get(settings.app.default_language) or sku} ({sku})"
                   if product is not None else sku for sku, _score, product in reads.customer_recommendations(session, customer_id)]
    return [ProfilePanel(VALUE_TITLE, lines or ["—"]), ProfilePanel(SUGGEST_TITLE, suggestions or ["—"])]
