"""The handlers, in the order they are asked. This list is the bot's behaviour: read it first."""

from __future__ import annotations

from bot.engine import Router
from handlers import consent, coupons, faq, leads, loyalty


def build_router() -> Router:
    router = Router()
    # group 0: platform events that change state and are never answered
    router.add("consent.unfollow", 0, consent.on_unfollow)
    router.add("consent.follow", 0, consent.on_follow_consent)
    router.add("consent.unsend", 0, consent.on_unsend)
    router.add("consent.silent", 0, consent.on_silent_events)
    # group 10: first contact
    router.add("leads.follow", 10, leads.on_follow)
    router.add("leads.join", 10, leads.on_join)
    # group 40: the customer's own things, by keyword or menu button (before the FAQ's keywords)
    router.add("coupons.show", 40, coupons.on_coupons)
    router.add("loyalty.points", 40, loyalty.on_points)
    # group 50: answers
    router.add("faq.menu", 50, faq.on_menu_postback)
    router.add("faq.keyword", 50, faq.on_faq_keyword)
    router.add("faq.attachment", 50, faq.on_attachment)
    router.set_fallback("faq.fallback", faq.fallback)
    return router
