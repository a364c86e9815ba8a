"""SQLAlchemy models. Imports nothing of ours outside this package."""

from models.base import Base, utcnow
from models.conversations import Conversation, DialogueState, Message
from models.customers import ChannelIdentity, Consent, Customer
from models.marketing import Broadcast, BroadcastRecipient, LeadCampaign, Segment
from models.orders import Order
from models.pipeline import InboxEvent, InboxLane, Lease, OutboxMessage
from models.staff import ROLES, CannedReply, ConsoleUser, FaqAnswer, InternalNote, LoginFailure

__all__ = [
    "ROLES",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "CannedReply",
    "ChannelIdentity",
    "Consent",
    "ConsoleUser",
    "Conversation",
    "Customer",
    "DialogueState",
    "FaqAnswer",
    "InboxEvent",
    "InboxLane",
    "InternalNote",
    "LeadCampaign",
    "Lease",
    "LoginFailure",
    "Message",
    "Order",
    "OutboxMessage",
    "Segment",
    "utcnow",
]
