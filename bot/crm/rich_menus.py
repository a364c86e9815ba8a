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

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import ChannelIdentity, Customer, LineTask, RichMenu, utcnow

BULK_LINK_USERS = 500
RETRY_SECONDS = (10, 60, 300, 1800)
MAX_ATTEMPTS = 6


def line_object(menu: RichMenu) -> dict[str, Any]:
    """The menu as LINE's rich menu object (`POST /v2/bot/richmenu`)."""
    return {"size": {"width": menu.width, "height": menu.height}, "selected": menu.target == "default",
            "name": menu.name[:300], "chatBarText": menu.chat_bar_text, "areas": list(menu.areas)}


def _add_task(session: Session, kind: str, menu_id: int, user_ids: Sequence[str] = (), now: datetime | None = None,
              line_id: str | None = None) -> None:
    session.add(LineTask(kind=kind, menu_id=menu_id, user_ids=list(user_ids), due_at=now or utcnow(), line_id=line_id))


def publish(session: Session, menu: RichMenu, now: datetime | None = None, members: Sequence[int] | None = None) -> int:
    """Ask for the menu to be (re)created on LINE, then linked to the customers it is for (a tier's
    customers, or `members`: a segment's, which the caller evaluates); returns how many link
    requests were queued.

    Republishing creates a new LINE menu: until it exists the row has no LINE id (so links wait for
    it), and the old one is deleted on LINE by a task written after the links, which the worker
    does only once the new menu is published and linked, so nobody is left without a menu between."""
    old_line_id = menu.line_id
    _add_task(session, "publish", menu.id, now=now)
    menu.line_id = None
    links = 0
    if menu.target == "segment":
        links = _switch(session, menu, members or [], now, everyone=True)
    elif menu.target == "tier":
        links = link_users(session, menu, audience(session, menu), now)
    if old_line_id:
        _add_task(session, "delete", menu.id, now=now, line_id=old_line_id)
    return links


def switch_segment_members(session: Session, menu: RichMenu, members: Sequence[int], now: datetime | None = None) -> int:
    """A published segment menu after its segment was evaluated again: customers who entered are
    linked to it; those who left get their tier's menu, else the default (unlinked). Returns how
    many LINE requests were queued."""
    if menu.members is None:  # never published: nobody to switch
        return 0
    return _switch(session, menu, members, now, everyone=False)


def _switch(session: Session, menu: RichMenu, members: Sequence[int], now: datetime | None, *, everyone: bool) -> int:
    before, after = set(menu.members or ()), set(members)
    linked = after if everyone else after - before
    requests = link_users(session, menu, line_users(session, linked), now)
    left = before - after
    tiers: dict[int, int | None] = {c: t for c, t in session.execute(select(Customer.id, Customer.tier).where(Customer.id.in_(left)))} if left else {}
    for tier in sorted(set(tiers.values()), key=lambda t: -1 if t is None else t):
        users = line_users(session, [c for c, t in tiers.items() if t == tier])
        tier_menu = _published_tier_menu(session, tier)
        if tier_menu is not None:
            requests += link_users(session, tier_menu, users, now)
        else:
            for chunk in _chunks(users):
                _add_task(session, "unlink", menu.id, chunk, now)
                requests += 1
    menu.members = sorted(after)
    return requests


def link_users(session: Session, menu: RichMenu, user_ids: Sequence[str], now: datetime | None = None) -> int:
    chunks = _chunks(user_ids)
    for chunk in chunks:
        _add_task(session, "link", menu.id, chunk, now)
    return len(chunks)


def _chunks(user_ids: Sequence[str]) -> list[Sequence[str]]:
    return [user_ids[i:i + BULK_LINK_USERS] for i in range(0, len(user_ids), BULK_LINK_USERS)]


def _line_identities() -> Any:
    return select(ChannelIdentity.platform_user_id).join(Customer, Customer.id == ChannelIdentity.customer_id).where(
        ChannelIdentity.channel == "line", ChannelIdentity.reachable.is_(True))


def audience(session: Session, menu: RichMenu, members: Sequence[int] | None = None) -> list[str]:
    """The LINE user ids of the reachable customers a menu is for."""
    query = _line_identities()
    if menu.target == "tier":
        query = query.where(Customer.tier == menu.tier)
    elif members is not None:
        query = query.where(Customer.id.in_(list(members)))
    return list(session.scalars(query.order_by(ChannelIdentity.id)))


def line_users(session: Session, customer_ids: Any) -> list[str]:
    """The reachable LINE user ids of these customers."""
    ids = sorted(customer_ids)
    return list(session.scalars(_line_identities().where(Customer.id.in_(ids)).order_by(ChannelIdentity.id))) if ids else []


def _published_tier_menu(session: Session, tier: int | None) -> RichMenu | None:
    if tier is None:
        return None
    return session.scalar(select(RichMenu).where(RichMenu.target == "tier", RichMenu.tier == tier, RichMenu.line_id.is_not(None),
                                                 RichMenu.deleted_at.is_(None)))


def on_tier_change(session: Session, customer_id: int, tier: int, now: datetime | None = None) -> int:
    """A customer whose tier changed sees that tier's menu (or the default menu, unlinked)."""
    menu = _published_tier_menu(session, tier)
    return link_customer(session, menu, customer_id, now) if menu is not None else 0


def link_customer(session: Session, menu: RichMenu, customer_id: int, now: datetime | None = None) -> int:
    """Link one customer's reachable LINE accounts to a menu (a tier change, a journey's step);
    returns how many link requests were queued (0: no LINE account to link)."""
    users = line_users(session, [customer_id])
    return link_users(session, menu, users, now) if users else 0


def published_menu(session: Session, name: str) -> RichMenu | None:
    """A menu by its name, if it is on LINE (only a published menu can be linked)."""
    return session.scalar(select(RichMenu).where(RichMenu.name == name, RichMenu.line_id.is_not(None), RichMenu.deleted_at.is_(None)))


def earlier_tasks(session: Session, task: LineTask) -> bool:
    """Whether the menu still has a publication or links queued before `task` (a delete waits for them)."""
    return session.scalar(select(LineTask.id).where(LineTask.menu_id == task.menu_id, LineTask.id < task.id,
                                                    LineTask.kind.in_(("publish", "link"))).limit(1)) is not None


def alias_deletion_pending(session: Session, menu_id: int) -> bool:
    """Whether a deleted menu's alias is still to be deleted on LINE (LINE refuses to delete a menu an alias points to)."""
    return session.scalar(select(LineTask.id).where(LineTask.menu_id == menu_id, LineTask.kind == "delete_alias",
                                                    LineTask.failed_at.is_(None)).limit(1)) is not None


def due_tasks(session: Session, now: datetime, limit: int = 20) -> list[LineTask]:
    return list(session.scalars(select(LineTask).where(LineTask.due_at <= now, LineTask.failed_at.is_(None))
                                .order_by(LineTask.id).limit(limit)))


def task_failed(task: LineTask, error: str, now: datetime, *, final: bool) -> bool:
    """Retry later with a growing pause; returns True when the task is given up, which is then kept
    (`failed_at`, `last_error`) so the console shows the reason."""
    task.attempts += 1
    task.last_error = error[:300]
    if final or task.attempts >= MAX_ATTEMPTS:
        task.failed_at = now
        return True
    task.due_at = now + timedelta(seconds=RETRY_SECONDS[min(task.attempts, len(RETRY_SECONDS)) - 1])
    return False


def delete_menu(session: Session, menu: RichMenu, now: datetime | None = None) -> bool:
    """Delete a menu: its queued publication and links are dropped (they would bring it back), and
    what it has on LINE (its alias, then the menu and any replaced one) is queued for deletion.

    Why the row stays (hidden, renamed, `deleted_at`) while those tasks wait: a task belongs to its
    row (`line_tasks.menu_id` cascades), so deleting the row at once would drop the deletion on LINE
    and leave the menu there. The worker deletes the row once its last task ran. Returns True when
    the row is kept for that, False when nothing was on LINE and the row is gone already."""
    session.execute(delete(LineTask).where(LineTask.menu_id == menu.id, LineTask.kind.in_(("publish", "link", "unlink"))))
    if menu.alias and menu.published_at is not None:
        _add_task(session, "delete_alias", menu.id, now=now, line_id=menu.alias)
    if menu.line_id:
        _add_task(session, "delete", menu.id, now=now, line_id=menu.line_id)
    session.flush()
    if session.scalar(select(LineTask.id).where(LineTask.menu_id == menu.id).limit(1)) is None:
        session.delete(menu)
        return False
    suffix = f" (deleted #{menu.id})"
    menu.name = menu.name[:100 - len(suffix)] + suffix  # frees the name and the alias for a new menu
    menu.alias, menu.members, menu.deleted_at = None, None, now or utcnow()
    return True


def finish_deleted(session: Session, menu: RichMenu) -> None:
    """A deleted menu's row goes once no task of it is left to run (a failed one keeps it, to be seen)."""
    if menu.deleted_at is not None and session.scalar(select(LineTask.id).where(LineTask.menu_id == menu.id).limit(1)) is None:
        session.delete(menu)
