"""Who the customer is, as each platform tells us: LINE's profile (read through the Messaging API
after the reply), Telegram's first/last name and username on every update, an email's `From`
display name.

Why names only fill a gap: a name the customer typed in the sign-up dialogue (or staff corrected)
is better than a platform nickname, so a platform name is written only where none is stored. The
profile's language sets the
customer's language only while they have not yet shown one by writing: after their first text
message the engine's detection decides, "until they show another".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.config.fields import LANGUAGES
from bot.events import Inbound
from models import ChannelIdentity, Conversation, Message, ProfileFetch
from models.db import conflict_insert

NAME_CHARS = 200
PICTURE_HOST = "https://profile.line-scdn.net/"
RETRY_SECONDS = (30, 120, 600, 3600)
MAX_ATTEMPTS = 5


def note_contact(session: Session, settings: Settings, identity: ChannelIdentity, event: Inbound, now: datetime,
                 *, looks_up_profiles: bool) -> None:
    """Called for every event of a known sender: take the names the event carries, and ask for the
    platform's profile when it was never read or is older than `[line] profile_refresh_days`.

    `looks_up_profiles`: the event's channel offers a profile look-up (the channel registry says;
    the domain names no platform)."""
    take_event_name(identity, event)
    if profile_due(settings, identity, event, now, looks_up_profiles=looks_up_profiles):
        if identity.id is None:
            session.flush()
        queue_profile_fetches(session, [identity.id], now)


def take_event_name(identity: ChannelIdentity, event: Inbound) -> None:
    """The name the event carries becomes the customer's when they have none yet."""
    customer = identity.customer
    name = _event_name(event)
    if name and customer is not None and not customer.display_name:
        customer.display_name = name[:NAME_CHARS]


def profile_due(settings: Settings, identity: ChannelIdentity, event: Inbound, now: datetime, *,
                looks_up_profiles: bool) -> bool:
    """Whether this event should queue a profile look-up: never read, or read too long ago."""
    if not looks_up_profiles or event.kind in ("unfollow", "leave", "unknown"):
        return False
    fetched = identity.profile_fetched_at
    return fetched is None or now - fetched >= timedelta(days=settings.line.profile_refresh_days)


def queue_profile_fetches(session: Session, identity_ids: Sequence[int], now: datetime) -> None:
    """Queue look-ups in one statement; one already queued for an identity stays as it is."""
    if not identity_ids:
        return
    session.connection().execute(
        conflict_insert(session)(ProfileFetch)
        .values([{"identity_id": i, "due_at": now, "attempts": 0, "created_at": now} for i in sorted(set(identity_ids))])
        .on_conflict_do_nothing(index_elements=["identity_id"]))


def _event_name(event: Inbound) -> str | None:
    """Telegram's "First Last" (or @username), an email's From display name."""
    profile = event.payload.get("profile")
    if isinstance(profile, Mapping):
        name = " ".join(str(part) for part in (profile.get("first_name"), profile.get("last_name")) if part).strip()
        username = profile.get("username")
        return name or (f"@{username}" if username else None)
    from_name = event.payload.get("from_name") if event.channel == "email" else None
    return str(from_name).strip() or None if from_name else None


def due_fetches(session: Session, now: datetime, limit: int) -> list[tuple[int, int, str]]:
    """(fetch id, identity id, LINE user id) of look-ups due now, oldest first."""
    rows = session.execute(select(ProfileFetch.id, ChannelIdentity.id, ChannelIdentity.platform_user_id)
                           .join(ChannelIdentity, ChannelIdentity.id == ProfileFetch.identity_id)
                           .where(ProfileFetch.due_at <= now).order_by(ProfileFetch.due_at).limit(limit))
    return [(int(a), int(b), str(c)) for a, b, c in rows]


def apply_line_profile(session: Session, fetch_id: int, identity_id: int, profile: Mapping[str, Any], now: datetime) -> None:
    """Store what LINE said (name, picture, language) and close the look-up."""
    identity = session.get(ChannelIdentity, identity_id)
    fetch = session.get(ProfileFetch, fetch_id)
    if fetch is not None:
        session.delete(fetch)
    if identity is None:
        return
    identity.profile_fetched_at = now
    customer = identity.customer
    name = str(profile.get("name") or "").strip()[:NAME_CHARS]
    if name and not customer.display_name:
        customer.display_name = name
    picture = str(profile.get("picture_url") or "")
    customer.picture_url = picture if picture.startswith(PICTURE_HOST) and len(picture) <= 1000 else None
    language = profile_language(profile.get("language"))
    if language and not _has_written(session, customer.id):
        customer.language = language


def profile_language(value: Any) -> str | None:
    """LINE's BCP 47 tag as one of our languages: zh-TW / zh-Hant-* -> zh-TW, zh-CN / zh-Hans-* ->
    zh-CN, en-* -> en; anything else is no opinion."""
    tag = str(value or "").replace("_", "-").lower()
    if tag in ("zh-tw", "zh-hk", "zh-mo") or tag.startswith("zh-hant"):
        return "zh-TW"
    if tag in ("zh-cn", "zh-sg") or tag.startswith("zh-hans"):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en" if "en" in LANGUAGES else None
    return None


def _has_written(session: Session, customer_id: int) -> bool:
    found = session.scalar(select(func.count()).select_from(Message).join(Conversation, Conversation.id == Message.conversation_id)
                           .where(Conversation.customer_id == customer_id, Message.direction == "in", Message.kind == "text"))
    return bool(found)


def fetch_failed(session: Session, fetch_id: int, error: str, now: datetime, *, final: bool = False) -> None:
    """Try again later with a growing pause; a final failure (the user is gone) or too many
    attempts ends the look-up, and the identity counts as read so it is not asked for each message."""
    fetch = session.get(ProfileFetch, fetch_id)
    if fetch is None:
        return
    fetch.attempts += 1
    if final or fetch.attempts >= MAX_ATTEMPTS:
        identity = session.get(ChannelIdentity, fetch.identity_id)
        if identity is not None:
            identity.profile_fetched_at = now
        session.delete(fetch)
        return
    fetch.last_error = error[:300]
    fetch.due_at = now + timedelta(seconds=RETRY_SECONDS[min(fetch.attempts, len(RETRY_SECONDS)) - 1])

