"""SQLAlchemy models. Imports nothing of ours outside this package."""

from models.api import ApiKey, ApiRequest
from models.base import Base, utcnow
from models.conversations import Conversation, DialogueState, Message
from models.coupons import Coupon, CouponRedemption, CouponTemplate
from models.customers import ChannelIdentity, Consent, Customer
from models.loyalty import PointsEntry, Stamp, TierChange
from models.orders import Order
from models.pipeline import InboxEvent, InboxLane, Lease, OutboxMessage
from models.staff import StaffTask

__all__ = [
    "ApiKey",
    "ApiRequest",
    "Base",
    "ChannelIdentity",
    "Consent",
    "Conversation",
    "Coupon",
    "CouponRedemption",
    "CouponTemplate",
    "Customer",
    "DialogueState",
    "InboxEvent",
    "InboxLane",
    "Lease",
    "Message",
    "Order",
    "OutboxMessage",
    "PointsEntry",
    "Stamp",
    "StaffTask",
    "TierChange",
    "utcnow",
]
