"""A saved segment as a LINE audience (for LINE Ads): the LINE user ids of its customers who are
reachable on LINE and gave marketing consent there, uploaded through the audience API, with the
upload audited like any export and its status kept for the console.

Why consent is required: an ads audience is marketing; a customer who did not agree to marketing
on LINE is not put in one, whatever segment they are in.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.exports import record_export
from bot.marketing.segments import segment_query
from channels.line.audiences import AudienceError, LineAudiences
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


def upload_segment(session: Session, settings: Settings, segment: Segment, user_email: str,
                   client_factory: ClientFactory = line_client) -> LineAudience:
    """Create the audience and upload every id (in LINE's chunks); a failure is kept on the row."""
    ids = line_user_ids(session, segment)
    audience = LineAudience(segment_id=segment.id, description=f"{segment.name} {utcnow():%Y-%m-%d}"[:120],
                            user_count=len(ids), created_by=user_email, status="uploading")
    session.add(audience)
    session.flush()
    record_export(session, user_email=user_email, what=segment.name, rows=len(ids), segment_id=segment.id,
                  target="line_audience")
    try:
        client = client_factory(settings)
        try:
            audience.audience_group_id = client.upload(audience.description, ids)
        finally:
            client.close()
        audience.status, audience.error = "IN_PROGRESS", None
    except AudienceError as exc:
        audience.status, audience.error = "error", str(exc)
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
