"""SQLAlchemy models. Imports nothing of ours outside this package."""

from models.base import Base, utcnow
from models.conversations import Conversation, DialogueState, Message
from models.customers import ChannelIdentity, Consent, Customer
from models.orders import Order
from models.pipeline import InboxEvent, InboxLane, Lease, OutboxMessage
from models.ratelimits import RateSlot

__all__ = [
    "Base",
    "ChannelIdentity",
    "Consent",
    "Conversation",
    "Customer",
    "DialogueState",
    "InboxEvent",
    "InboxLane",
    "Lease",
    "Message",
    "Order",
    "OutboxMessage",
    "RateSlot",
    "utcnow",
]
