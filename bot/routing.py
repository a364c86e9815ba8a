"""The handlers, in the order they are asked. This list is the bot's behaviour: read it first.

Lower groups first, first match wins. Why this order: platform events and opt-outs must take
effect whatever the message looks like (and "stop" answers even while staff hold the chat); an
angry message must reach a person before anything cheerful can answer it; once staff hold a
conversation the bot stays quiet; a dialogue in progress reads the customer's answers before
keywords could misread them; keywords before FAQ; the fallback menu last.
"""

from __future__ import annotations

from bot.engine import Router
from bot.marketing import journey_wiring
from handlers import (
    appointments,
    campaign_keyword,
    channel_events,
    complaints,
    consent,
    coupons,
    faq,
    journeys,
    leads,
    loyalty,
    member_card,
    my_bookings,
    rewards,
    surveys,
    tag_buttons,
)


def build_router() -> Router:
    router = Router()
    # group 0: platform events that change state and are never answered
    router.add("consent.unfollow", 0, consent.on_unfollow)
    router.add("consent.follow", 0, consent.on_follow_consent)
    router.add("consent.unsend", 0, consent.on_unsend)
    router.add("consent.silent", 0, consent.on_silent_events)
    router.add("channel.opt_out", 0, channel_events.on_opt_out, speaks_during_handoff=True)
    router.add("channel.bounce", 0, channel_events.on_bounce)
    router.add("channel.migrated", 0, channel_events.on_migrated)
    # group 5: consent commands (stop, subscribe, my data, delete) - answered even during a hand-over
    router.add("consent.commands", 5, consent.on_consent_commands, speaks_during_handoff=True)
    # group 10: first contact
    router.add("leads.follow", 10, leads.on_follow)  # also records a deep link's referrer or campaign
    router.add("leads.campaign_keyword", 10, campaign_keyword.on_campaign_keyword)  # LINE's #<code> links
    router.add("leads.join", 10, leads.on_join)
    # group 20: complaints and requests for a human; then silence while staff hold the chat
    router.add("complaints.open", 20, complaints.on_complaint, speaks_during_handoff=True)
    router.add("complaints.handoff", 25, complaints.on_handoff)
    # group 30: dialogues in progress and the buttons they sent
    router.add("leads.contact", 30, leads.on_contact_share)
    router.add("leads.dialogue", 30, leads.on_lead_dialogue)
    router.add("appointments.dialogue", 30, appointments.on_booking_dialogue)
    router.add("appointments.buttons", 30, my_bookings.on_appointment_buttons)
    router.add("surveys.answer", 30, surveys.on_survey_answer, speaks_during_handoff=True)
    router.add("journeys.answer", 30, journeys.on_answer)  # a button from a journey's message
    # group 40: keywords that start something
    router.add("appointments.mine", 40, my_bookings.on_my_bookings)
    router.add("appointments.keywords", 40, appointments.on_booking_keywords)
    router.add("leads.keywords", 40, leads.on_lead_keywords)
    # group 40: the customer's own things, by keyword or menu button (before the FAQ's keywords)
    router.add("tags.button", 40, tag_buttons.on_tag_button)
    router.add("rewards.redeem", 40, rewards.on_rewards)  # before coupons: "兌換" is spending points
    router.add("coupons.show", 40, coupons.on_coupons)
    router.add("member.card", 40, member_card.on_member_card)
    router.add("loyalty.points", 40, loyalty.on_points)
    # group 50: answers
    router.add("channel.help", 50, channel_events.on_help)
    router.add("faq.small_talk", 50, faq.on_small_talk)  # a whole-message "你好" / "thanks", before FAQ keywords
    router.add("faq.menu", 50, faq.on_menu_postback)
    router.add("faq.keyword", 50, faq.on_faq_keyword)
    router.add("faq.attachment", 50, faq.on_attachment)
    router.set_fallback("faq.fallback", faq.fallback)
    # the journeys listen to the domain's signals and orders (and read segment criteria); the
    # post-purchase survey is the built-in journey "After a purchase"
    journey_wiring.install()
    return router
