"""LINE sources without a start payload: a campaign's LINE link opens the chat with "… #<code>"
typed in (bot/console/campaign_views.line_link); sending it records that campaign as the lead's
source, exactly as Telegram's `src_<code>` deep link does, and answers with the welcome and the
campaign's incentive.

Only codes of existing campaigns count, so a "#hashtag" in an ordinary message is not a source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from bot.engine import Context
from bot.events import Outbound
from handlers import welcome
from handlers.faq import menu_buttons
from handlers.leads import apply_deep_link
from models import LeadCampaign

KEYWORD = re.compile(r"#([a-z0-9_-]{1,40})(?![a-z0-9_-])")
MAX_TEXT = 80  # the prefilled sentence, perhaps edited a little; not a long message that mentions a tag


def on_campaign_keyword(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.kind != "text" or ctx.customer is None or ctx.event.chat_type != "user" or len(ctx.text) > MAX_TEXT:
        return None
    codes = KEYWORD.findall(ctx.text.lower())
    if not codes:
        return None
    code = ctx.session.scalar(select(LeadCampaign.code).where(LeadCampaign.code.in_(codes)).limit(1))
    if code is None:
        return None
    campaign = apply_deep_link(ctx, f"src_{code}")
    lines = welcome.welcome_lines(ctx, campaign=campaign)
    return [Outbound("\n".join(lines), quick_replies=(welcome.join_button(ctx), *menu_buttons(ctx))[:13])]
