"""SQLAlchemy models. Imports nothing of ours outside this package."""

from models.appointments import Appointment, Service, Slot
from models.base import Base, utcnow
from models.care import DataRequest, EmailVerification, JobRun, ReferralCode, SentNotice
from models.conversations import Conversation, DialogueState, Message
from models.customers import ChannelIdentity, Consent, Customer
from models.marketing import Broadcast, BroadcastRecipient, LeadCampaign, Segment
from models.orders import Order
from models.pipeline import InboxEvent, InboxLane, Lease, OutboxMessage
from models.ratelimits import RateSlot
from models.staff import ROLES, CannedReply, ConsoleUser, FaqAnswer, InternalNote, LoginFailure
from models.surveys import Survey
from models.tickets import OPEN_STATUSES, Ticket

__all__ = [
    "OPEN_STATUSES",
    "Appointment",
    "DataRequest",
    "EmailVerification",
    "JobRun",
    "ReferralCode",
    "SentNotice",
    "Service",
    "Slot",
    "Survey",
    "Ticket",
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
    "RateSlot",
    "utcnow",
]
