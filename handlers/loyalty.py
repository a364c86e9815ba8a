"""Points, tier and stamp card in the chat: "點數 / 点数 / points" shows the balance, the tier,
what the next tier needs, and, after a blank line, the stamp card with its stamps filled, counted
in stamps (章) and saying how one is earned, so a customer never adds stamps to points.

Why the tier is refreshed here: the rule is absolute (thresholds, not ranks), so one customer's
tier can be recomputed from a few indexed reads; the customer then never sees a stale tier, and a
move up found here is congratulated like any other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.crm import loyalty
from bot.crm.tiers import WindowStats, notify_change, progress, refresh_customer_tier, window_start, window_stats
from bot.engine import Context
from bot.events import Outbound
from bot.i18n import pick
from bot.i18n.commerce import gives, money, say
from bot.i18n.texts import LOYALTY as TEXTS
from handlers.common import render
from handlers.faq import menu_buttons

POSTBACK = "points:show"
# Latin words are bounded by non-letters ("appointment" must not match "point").
KEYWORDS = re.compile(r"點數|点数|積分|积分|集點|集点|紅利|红利|會員等級|会员等级"
                      r"|(?<![A-Za-z])(?:points?|stamps?|stamp\s+card|my\s+tier|loyalty)(?![A-Za-z])", re.IGNORECASE)


def on_points(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.chat_type != "user" or ctx.customer is None:
        return None
    if ctx.postback != POSTBACK and not (ctx.event.kind == "text" and KEYWORDS.search(ctx.text)):
        return None
    settings, customer, language = ctx.settings, ctx.customer, ctx.language
    stats = window_stats(ctx.session, customer.id, window_start(settings, ctx.now))
    change = refresh_customer_tier(ctx.session, settings, customer.id, ctx.now, stats=stats)
    if change is not None:
        notify_change(ctx.session, settings, change, ctx.now)
    default = settings.app.default_language
    tier = settings.tiers[customer.tier - 1]
    lines = [say("points_balance", language, points=f"{loyalty.balance(ctx.session, customer.id):,}"),
             say("points_tier", language, tier=pick(tier.name, language, default))]
    lines.extend(tier_progress_lines(ctx, stats))
    lines.extend(_stamp_card(ctx))
    return [Outbound("\n".join(lines), quick_replies=menu_buttons(ctx))]


def tier_progress_lines(ctx: Context, stats: WindowStats) -> list[str]:
    """What the next tier needs, in the customer's words (the points reply and the member card)."""
    assert ctx.customer is not None
    settings, customer, language = ctx.settings, ctx.customer, ctx.language
    default = settings.app.default_language
    lines: list[str] = []
    ahead = progress(stats, customer.tier, settings.tiers)
    if ahead is None:
        lines.append(say("points_top", language))
    else:
        needs = []
        if ahead.purchases:
            needs.append(say("need_purchases", language, n=ahead.purchases, count=ahead.purchases))
        if ahead.spend:
            needs.append(say("need_spend", language, money=money(ahead.spend)))
        if ahead.average is not None:
            needs.append(say("need_average", language, money=money(ahead.average)))
        text = say("need_join", language).join(needs)
        if ahead.referrals:
            alternative = say("points_next_or_referrals", language, n=ahead.referrals, count=ahead.referrals)
            text = f"{text}{say('need_join', language)}{alternative}" if text else alternative
        if text:
            lines.append(say("points_next", language, tier=pick(ahead.tier.name, language, default), needs=text))
            lines.append(say("points_window", language, n=settings.loyalty.tier_window_days, days=settings.loyalty.tier_window_days))
    return lines


def _stamp_card(ctx: Context) -> list[str]:
    assert ctx.customer is not None  # on_points answers only a known customer
    settings, language = ctx.settings, ctx.language
    template = next((t for t in settings.coupon_templates if t.code == settings.loyalty.stamp_reward_template), None)
    if template is None:
        return []
    size = settings.loyalty.stamp_card_size
    filled, card = loyalty.card_state(loyalty.stamp_count(ctx.session, ctx.customer.id), size)
    if template.kind == "free_item":
        reward = pick(template.item, language, settings.app.default_language)
    else:
        reward = gives(template.kind, template.value, template.item, language, settings.app.default_language)
    text = render(TEXTS, "stamp_card", language, settings, card=card, filled=filled, size=size, reward=reward,
                  money=money(settings.loyalty.stamp_min_order))
    return ["", text]  # a blank line: the stamp card is not part of the points above
