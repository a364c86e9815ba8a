"""A saved segment as a LINE audience (for LINE Ads): the LINE user ids of its customers who are
reachable on LINE and gave marketing consent there, uploaded by the worker through the audience
API (jobs/line_audiences.py), with the upload audited like any export and its status (pending,
uploading, then LINE's, or failed with the reason) kept for the console.

Why consent is required: an ads audience is marketing; a customer who did not agree to marketing
on LINE is not put in one, whatever segment they are in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.exports import record_export
from bot.marketing.segments import segment_query
from channels.line.audiences import MAX_DESCRIPTION, AudienceError, LineAudiences
from models import ChannelIdentity, Consent, LineAudience, Segment, utcnow

ClientFactory = Callable[[Settings], LineAudiences]


def line_client(settings: Settings) -> LineAudiences:
    if not settings.line.channel_access_token:
        raise AudienceError("LINE is not configured ([line] channel_access_token)", retryable=False)
    return LineAudiences(settings.line.channel_access_token, str(settings.line.api_base))


def line_user_ids(session: Session, segment: Segment) -> list[str]:
    members = segment_query(session, segment.criteria).subquery()
    consented = select(Consent.customer_id).where(Consent.channel == "line", Consent.purpose == "marketing", Consent.granted)
    return list(session.scalars(
        select(ChannelIdentity.platform_user_id).where(
            ChannelIdentity.customer_id.in_(select(members.c.id)), ChannelIdentity.channel == "line",
            ChannelIdentity.reachable, ChannelIdentity.customer_id.in_(consented))
        .order_by(ChannelIdentity.platform_user_id).distinct()))


def upload_segment(session: Session, segment: Segment, user_email: str, now: datetime | None = None) -> LineAudience:
    """Ask for the segment's upload: the row keeps the LINE user ids read now and the worker sends
    them (jobs/line_audiences.py), so the console request never waits on LINE and a crash loses
    nothing. The description carries the row's id, so a lost creation is found again by it."""
    ids = line_user_ids(session, segment)
    when = now or utcnow()
    audience = LineAudience(segment_id=segment.id, description=segment.name[:MAX_DESCRIPTION], user_count=len(ids),
                            created_by=user_email, status="pending", user_ids=ids, due_at=when)
    session.add(audience)
    session.flush()
    suffix = f" {when:%Y-%m-%d} #{audience.id}"
    audience.description = segment.name[:MAX_DESCRIPTION - len(suffix)] + suffix
    if not ids:
        audience.status, audience.error, audience.due_at = "failed", "the segment has no customer reachable on LINE with consent", None
    record_export(session, user_email=user_email, what=segment.name, rows=len(ids), segment_id=segment.id,
                  target="line_audience")
    return audience


def refresh_status(session: Session, settings: Settings, audience: LineAudience,
                   client_factory: ClientFactory = line_client) -> LineAudience:
    """Ask LINE where the audience stands (IN_PROGRESS while it matches the ids, then READY)."""
    if audience.audience_group_id is None:
        return audience
    try:
        client = client_factory(settings)
        try:
            found = client.status(audience.audience_group_id)
        finally:
            client.close()
        audience.status, audience.audience_count, audience.error = found.status, found.count, None
    except AudienceError as exc:
        audience.error = str(exc)
    audience.updated_at = utcnow()
    return audience
