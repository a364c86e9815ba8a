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

from models import ChannelIdentity, Customer, LineTask, RichMenu, RichMenuPin, utcnow

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
    menu.members = sorted(after)  # first: the precedence below reads the segment as it is now
    entering = after if everyone else after - before
    resolved = menus_for(session, entering | (before - after))
    # a customer pinned to another menu, or in an older segment's menu, keeps that one
    requests = link_users(session, menu, line_users(session, [c for c in entering if resolved[c] is menu]), now)
    for target, customers in _grouped({c: resolved[c] for c in before - after}).items():
        users = line_users(session, customers)
        if target is not None:
            requests += link_users(session, target, users, now)
        else:  # no menu of their own: back to the default (LINE's bulk unlink)
            for chunk in _chunks(users):
                _add_task(session, "unlink", menu.id, chunk, now)
                requests += 1
    return requests


def _grouped(resolved: dict[int, RichMenu | None]) -> dict[RichMenu | None, list[int]]:
    groups: dict[RichMenu | None, list[int]] = {}
    for customer_id, target in sorted(resolved.items()):
        groups.setdefault(target, []).append(customer_id)
    return groups


def menus_for(session: Session, customer_ids: Any, tier_now: dict[int, int] | None = None) -> dict[int, RichMenu | None]:
    """Which menu each customer should see: THE precedence, in this one place.

    A menu pinned to the customer (a journey step, staff) > a saved segment's menu (the oldest
    menu first when they are in several) > their tier's menu > the default menu (None: unlinked).
    Why this order: it is LINE OA Manager's and CRESCLAB's: a per-user link always beats the
    default; a menu chosen for this one person is the most deliberate choice, a segment (a
    campaign, an interest) is narrower and more recent than a tier, and a tier is the shop's
    standing arrangement. Only published menus that are not deleted count. `tier_now`: tiers just
    decided and not yet on the customer row (a tier change)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    live = (RichMenu.published_at.is_not(None), RichMenu.deleted_at.is_(None))
    pinned: dict[int, RichMenu] = {row[0]: row[1] for row in session.execute(
        select(RichMenuPin.customer_id, RichMenu).join(RichMenu, RichMenu.id == RichMenuPin.menu_id).where(RichMenuPin.customer_id.in_(ids), *live))}
    # a segment menu counts from its first publication on (`members` is set then, before LINE has it)
    segment_menus = list(session.scalars(select(RichMenu).where(RichMenu.target == "segment", RichMenu.members.is_not(None),
                                                                RichMenu.deleted_at.is_(None)).order_by(RichMenu.id)))
    tiers: dict[int, int | None] = {row[0]: row[1] for row in session.execute(select(Customer.id, Customer.tier).where(Customer.id.in_(ids)))}
    tiers.update(tier_now or {})
    tier_menus = {m.tier: m for m in session.scalars(select(RichMenu).where(RichMenu.target == "tier", *live).order_by(RichMenu.id.desc()))}
    found: dict[int, RichMenu | None] = {}
    for customer_id in ids:
        found[customer_id] = pinned.get(customer_id) or next(
            (m for m in segment_menus if customer_id in set(m.members or ())), None) or tier_menus.get(tiers.get(customer_id))
    return found


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


def on_tier_change(session: Session, customer_id: int, tier: int, now: datetime | None = None) -> int:
    """A customer whose tier changed sees that tier's menu, unless a pinned or segment menu
    outranks it (`menus_for`); without a tier menu they keep what they have."""
    menu = menus_for(session, [customer_id], {customer_id: tier})[customer_id]
    if menu is None or menu.target != "tier" or menu.tier != tier:
        return 0
    return link_customer(session, menu, customer_id, now)


def link_customer(session: Session, menu: RichMenu, customer_id: int, now: datetime | None = None) -> int:
    """Link one customer's reachable LINE accounts to a menu; returns how many link requests were
    queued (0: no LINE account to link)."""
    users = line_users(session, [customer_id])
    return link_users(session, menu, users, now) if users else 0


def pin_customer(session: Session, menu: RichMenu, customer_id: int, source: str, now: datetime | None = None) -> int:
    """Give one customer this menu over their segment's and tier's (a journey step, staff), and link it."""
    pin = session.get(RichMenuPin, customer_id)
    if pin is None:
        session.add(RichMenuPin(customer_id=customer_id, menu_id=menu.id, source=source[:100], at=now or utcnow()))
    else:
        pin.menu_id, pin.source, pin.at = menu.id, source[:100], now or utcnow()
    return link_customer(session, menu, customer_id, now)


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
