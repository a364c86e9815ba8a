"""Rich menus: which customers a menu is for, the menu as LINE's rich menu object, and the LINE
calls to make for it (LINE's own rules are in channels/line/rich_menu_rules.py, checked by the
console before a menu is saved).

Why the calls are rows (`line_tasks`) and not made here: the console and the tier recompute
decide inside a transaction, and the worker (the one part that talks to LINE) makes the calls
after it, retrying on failure, so a crash between the decision and the call loses nothing. A bulk
link carries at most 500 users, LINE's limit per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ChannelIdentity, Customer, LineTask, RichMenu, utcnow

BULK_LINK_USERS = 500
RETRY_SECONDS = (10, 60, 300, 1800)
MAX_ATTEMPTS = 6


def line_object(menu: RichMenu) -> dict[str, Any]:
    """The menu as LINE's rich menu object (`POST /v2/bot/richmenu`)."""
    return {"size": {"width": menu.width, "height": menu.height}, "selected": menu.target == "default",
            "name": menu.name[:300], "chatBarText": menu.chat_bar_text, "areas": list(menu.areas)}


def _add_task(session: Session, kind: str, menu_id: int, user_ids: Sequence[str] = (), now: datetime | None = None) -> None:
    session.add(LineTask(kind=kind, menu_id=menu_id, user_ids=list(user_ids), due_at=now or utcnow()))


def publish(session: Session, menu: RichMenu, now: datetime | None = None, members: Sequence[int] | None = None) -> int:
    """Ask for the menu to be (re)created on LINE, then linked to the customers it is for (a tier's
    customers, or `members`: a segment's, which the caller evaluates); returns how many link
    requests were queued."""
    _add_task(session, "publish", menu.id, now=now)
    if menu.target == "default":
        return 0
    return link_users(session, menu, audience(session, menu, members), now)


def link_users(session: Session, menu: RichMenu, user_ids: Sequence[str], now: datetime | None = None) -> int:
    chunks = [user_ids[i:i + BULK_LINK_USERS] for i in range(0, len(user_ids), BULK_LINK_USERS)]
    for chunk in chunks:
        _add_task(session, "link", menu.id, chunk, now)
    return len(chunks)


def audience(session: Session, menu: RichMenu, members: Sequence[int] | None = None) -> list[str]:
    """The LINE user ids of the reachable customers a menu is for."""
    query = select(ChannelIdentity.platform_user_id).join(Customer, Customer.id == ChannelIdentity.customer_id).where(
        ChannelIdentity.channel == "line", ChannelIdentity.reachable.is_(True))
    if menu.target == "tier":
        query = query.where(Customer.tier == menu.tier)
    elif members is not None:
        query = query.where(Customer.id.in_(list(members)))
    return list(session.scalars(query.order_by(ChannelIdentity.id)))


def on_tier_change(session: Session, customer_id: int, tier: int, now: datetime | None = None) -> int:
    """A customer whose tier changed sees that tier's menu (or the default menu, unlinked)."""
    menu = session.scalar(select(RichMenu).where(RichMenu.target == "tier", RichMenu.tier == tier,
                                                 RichMenu.line_id.is_not(None)))
    return link_customer(session, menu, customer_id, now) if menu is not None else 0


def link_customer(session: Session, menu: RichMenu, customer_id: int, now: datetime | None = None) -> int:
    """Link one customer's reachable LINE accounts to a menu (a tier change, a journey's step);
    returns how many link requests were queued (0: no LINE account to link)."""
    users = list(session.scalars(select(ChannelIdentity.platform_user_id).where(
        ChannelIdentity.customer_id == customer_id, ChannelIdentity.channel == "line", ChannelIdentity.reachable.is_(True))))
    return link_users(session, menu, users, now) if users else 0


def published_menu(session: Session, name: str) -> RichMenu | None:
    """A menu by its name, if it is on LINE (only a published menu can be linked)."""
    return session.scalar(select(RichMenu).where(RichMenu.name == name, RichMenu.line_id.is_not(None)))


def due_tasks(session: Session, now: datetime, limit: int = 20) -> list[LineTask]:
    return list(session.scalars(select(LineTask).where(LineTask.due_at <= now).order_by(LineTask.id).limit(limit)))


def task_failed(task: LineTask, error: str, now: datetime, *, final: bool) -> bool:
    """Retry later with a growing pause; returns True when the task is given up (delete it)."""
    task.attempts += 1
    task.last_error = error[:300]
    if final or task.attempts >= MAX_ATTEMPTS:
        return True
    task.due_at = now + timedelta(seconds=RETRY_SECONDS[min(task.attempts, len(RETRY_SECONDS)) - 1])
    return False
