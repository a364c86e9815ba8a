"""SQLAlchemy models. Imports nothing of ours outside this package."""

from models.api import ApiKey, ApiRequest
from models.appointments import Appointment, Service, Slot
from models.audiences import LineAudience
from models.base import Base, utcnow
from models.care import DataRequest, EmailVerification, JobRun, ReferralCode, SentNotice
from models.conversations import Conversation, DialogueState, Message
from models.coupons import Coupon, CouponRedemption, CouponTemplate
from models.customers import ChannelIdentity, Consent, Customer
from models.journeys import Journey, JourneyEnrollment, JourneyStepRun, JourneyVersion, MarketingSend
from models.loyalty import PointsEntry, Stamp, TierChange
from models.marketing import Broadcast, BroadcastRecipient, LeadCampaign, Segment
from models.orders import Order
from models.pipeline import InboxEvent, InboxLane, Lease, OutboxMessage
from models.products import DemoRow, ExportRecord, ImportRun, OrderLine, Product
from models.profiles import ProfileFetch
from models.ratelimits import RateSlot
from models.reference import ReferenceVersion
from models.rewards import Reward, RewardRedemption
from models.rich_menus import LineTask, RichMenu, RichMenuPin
from models.staff import ROLES, CannedReply, ConsoleSession, ConsoleSetting, ConsoleUser, FaqAnswer, InternalNote, LoginFailure
from models.surveys import Survey
from models.tags import Tag, TagChange
from models.tasks import StaffTask
from models.tickets import OPEN_STATUSES, Ticket
from models.value import CustomerRecommendation, CustomerValue, ProductPair, ValueCluster, ValueModel

__all__ = [
    "ValueModel",
    "ValueCluster",
    "ProductPair",
    "CustomerValue",
    "CustomerRecommendation",
    "ApiKey",
    "ApiRequest",
    "Appointment",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "CannedReply",
    "ChannelIdentity",
    "Consent",
    "ConsoleSession",
    "ConsoleSetting",
    "ConsoleUser",
    "Conversation",
    "Coupon",
    "CouponRedemption",
    "CouponTemplate",
    "Customer",
    "DataRequest",
    "DemoRow",
    "DialogueState",
    "EmailVerification",
    "ExportRecord",
    "FaqAnswer",
    "ImportRun",
    "InboxEvent",
    "InboxLane",
    "InternalNote",
    "JobRun",
    "Journey",
    "JourneyEnrollment",
    "JourneyStepRun",
    "JourneyVersion",
    "LeadCampaign",
    "LineAudience",
    "Lease",
    "LineTask",
    "LoginFailure",
    "MarketingSend",
    "Message",
    "OPEN_STATUSES",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "PointsEntry",
    "Product",
    "ProfileFetch",
    "ROLES",
    "RateSlot",
    "ReferenceVersion",
    "ReferralCode",
    "Reward",
    "RewardRedemption",
    "RichMenu",
    "RichMenuPin",
    "Segment",
    "SentNotice",
    "Service",
    "Slot",
    "StaffTask",
    "Stamp",
    "Survey",
    "Tag",
    "TagChange",
    "Ticket",
    "TierChange",
    "utcnow",
]
