"""The handlers, in the order they are asked. This list is the bot's behaviour: read it first."""

from __future__ import annotations

from bot.engine import Router
from handlers import channel_events, consent, faq, leads


def build_router() -> Router:
    router = Router()
    # group 0: platform events that change state and are never answered
    router.add("consent.unfollow", 0, consent.on_unfollow)
    router.add("consent.follow", 0, consent.on_follow_consent)
    router.add("consent.unsend", 0, consent.on_unsend)
    router.add("consent.silent", 0, consent.on_silent_events)
    router.add("channel.opt_out", 0, channel_events.on_opt_out)
    router.add("channel.bounce", 0, channel_events.on_bounce)
    router.add("channel.migrated", 0, channel_events.on_migrated)
    router.add("channel.lead_source", 5, channel_events.on_start_source)
    # group 10: first contact
    router.add("leads.follow", 10, leads.on_follow)
    router.add("leads.join", 10, leads.on_join)
    # group 40: things a customer shares outside a dialogue that asked for them
    router.add("channel.contact", 40, channel_events.on_contact)
    # group 50: answers
    router.add("channel.help", 50, channel_events.on_help)
    router.add("faq.menu", 50, faq.on_menu_postback)
    router.add("faq.keyword", 50, faq.on_faq_keyword)
    router.add("faq.attachment", 50, faq.on_attachment)
    router.set_fallback("faq.fallback", faq.fallback)
    return router
