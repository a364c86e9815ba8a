"""Words for the journeys' codes (step kinds, triggers, goals, statuses, step outcomes), so the
console shows "等待" and "留下名單", never `wait` or `lead_captured`."""

from __future__ import annotations

from bot.console.i18n import gettext as _

LABELS = {
    # step kinds
    "message": "Send a message", "wait": "Wait", "condition": "Condition", "tag": "Add or remove a tag",
    "points": "Award points", "task": "Create a staff task", "split": "A/B split",
    # triggers
    "follow": "Follow / first contact", "lead_captured": "Lead captured", "tag_added": "Tag added",
    "tier_up": "Tier went up", "tier_down": "Tier went down", "tier_down_expected": "Tier would drop within N days",
    "coupon_expiring": "Coupon about to expire",
    "appointment_completed": "Appointment completed", "appointment_missed": "Appointment missed",
    "ticket_resolved": "Ticket resolved", "csat_answer": "Satisfaction answer", "event": "Custom event from the shop",
    "first_purchase": "First purchase", "purchase": "Any purchase", "birthday_month": "Birthday month begins",
    "no_purchase": "No purchase for a while", "segment": "Enters a segment",
    # re-entry
    "once": "Once ever", "every": "Every time", "days": "Once per N days",
    # journey and entry statuses
    "draft": "draft", "active": "active", "paused": "paused", "archived": "archived", "held_out": "held out",
    "completed": "completed", "converted": "converted", "exited": "exited",
    # step outcomes
    "sent": "sent", "withheld_consent": "withheld: no consent", "withheld_cap": "withheld: frequency cap",
    "unreachable": "unreachable", "failed": "failed", "done": "done", "unchanged": "unchanged", "waiting": "waited",
    "yes": "yes", "no": "no", "nothing_to_show": "nothing to show", "rich_menu": "Switch the rich menu",
    # conditions
    "purchased_since_entry": "Bought since entering", "tag_test": "Has the tag", "event_test": "Had the event",
    "segment_test": "In the saved segment", "clicked_test": "Clicked a link",
}


def journey_label(code: str | None) -> str:
    """The reader's words for a code; an unknown code (an A/B variant's name) as it is."""
    return _(LABELS[code]) if code in LABELS else (code or "—")
