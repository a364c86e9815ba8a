"""LINE audience uploads, made by the worker's LINE-task thread (run with the rich menu tasks):
the console only writes a `line_audiences` row with the LINE user ids to send (status "pending");
this sends them in chunks of at most 10,000 (LINE's limit per request: the first chunk creates the
audience, each further one is added to it), committing how many LINE took after every chunk.

Why this is never uploaded twice: a chunk LINE took is committed before the next is sent; a
crash after LINE took a chunk but before the commit sends that chunk again, and adding ids an
audience holds already changes nothing at LINE. A creation whose answer was lost is found again
by the audience's description, which carries the row's id, before anything is created. (LINE
refuses `X-Line-Retry-Key` on these endpoints, so the retry key is not the tool here.)
A 429, a 5xx or an unreachable LINE is tried again later with a growing pause, up to
MAX_ATTEMPTS; what LINE refuses (400) fails the upload with LINE's reason, shown on the console.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channels.line.audiences import MAX_IDS_PER_REQUEST, AudienceError, LineAudiences
from models import LineAudience

log = logging.getLogger(__name__)
RETRY_SECONDS = (30, 120, 600, 1800)
MAX_ATTEMPTS = 6
CHUNKS_PER_RUN = 5  # LINE allows 60 upload requests a minute; the worker's tick is far slower than that


def due_uploads(session: Session, now: datetime, limit: int = 5) -> list[int]:
    return list(session.scalars(select(LineAudience.id).where(LineAudience.status.in_(("pending", "uploading")),
                                                              LineAudience.due_at <= now).order_by(LineAudience.id).limit(limit)))


def run_audience_uploads(sessions: sessionmaker[Session], client_factory: Callable[[], LineAudiences], now: datetime) -> int:
    """Send what is due, chunk by chunk, each in its own transaction; returns the chunks sent."""
    with sessions() as session:
        due = due_uploads(session, now)
    if not due:
        return 0
    client = client_factory()
    sent = 0
    try:
        for audience_id in due:
            sent += _upload(sessions, client, audience_id, now)
    finally:
        client.close()
    return sent


def _upload(sessions: sessionmaker[Session], client: LineAudiences, audience_id: int, now: datetime) -> int:
    sent = 0
    while sent < CHUNKS_PER_RUN:
        with sessions.begin() as session:
            audience = session.get(LineAudience, audience_id, with_for_update=True)
            if audience is None or audience.status not in ("pending", "uploading"):
                return sent
            try:
                done = _send_next_chunk(client, audience)
            except AudienceError as exc:
                _failed(audience, str(exc), now, final=not exc.retryable)
                log.warning("LINE audience %s upload failed: %s", audience_id, str(exc)[:200])
                return sent
            sent += 1
            if done:
                return sent
    return sent


def _send_next_chunk(client: LineAudiences, audience: LineAudience) -> bool:
    """Send one chunk (or find a lost creation); True once every id is with LINE."""
    ids = list(audience.user_ids or [])
    chunk = ids[audience.uploaded:audience.uploaded + MAX_IDS_PER_REQUEST]
    if audience.audience_group_id is None:
        found = client.find(audience.description)
        if found is None:
            audience.audience_group_id = client.create(audience.description, chunk)
            audience.uploaded += len(chunk)
        else:
            audience.audience_group_id = found  # created before a crash: go on adding from our count
    elif chunk:
        client.add(audience.audience_group_id, chunk)
        audience.uploaded += len(chunk)
    audience.status, audience.error = "uploading", None
    if audience.uploaded >= len(ids):
        audience.status, audience.due_at, audience.user_ids = "IN_PROGRESS", None, None
        return True
    return False


def _failed(audience: LineAudience, reason: str, now: datetime, *, final: bool) -> None:
    audience.attempts += 1
    audience.error = reason[:1000]
    if final or audience.attempts >= MAX_ATTEMPTS:
        audience.status, audience.due_at = "failed", None
    else:
        audience.due_at = now + timedelta(seconds=RETRY_SECONDS[min(audience.attempts, len(RETRY_SECONDS)) - 1])
