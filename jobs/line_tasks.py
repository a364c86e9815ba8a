"""The LINE calls rich menus need, made by the worker's LINE-task thread from `line_tasks` rows
(`bot.crm.rich_menus` writes them): publish a menu (create, upload its picture, set it as the
default, point its alias at it), link users to it or unlink them (back to the default menu), 500 a
request, and delete a replaced menu; and upload LINE audiences (jobs/line_audiences.py).

A link waits for its menu's publication (it needs LINE's id); a delete waits for the new menu's
publication and links, so its users are moved before the old menu disappears. A failure LINE may recover from
(429, 5xx, unreachable) is retried later with a growing pause; one it will not (400) ends the
task, which is kept with its reason for the console. A deleted menu's row is removed once its
last task (alias, then menu, deleted on LINE) ran.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.crm import rich_menus
from channels.base import DeliveryError
from jobs.line_audiences import run_audience_uploads
from models import LineTask, RichMenu

log = logging.getLogger(__name__)
WAIT_FOR_PUBLICATION = timedelta(seconds=5)


def run_line_tasks(sessions: sessionmaker[Session], channels: Mapping[str, Any], now: datetime, limit: int = 20) -> int:
    line = channels.get("line")
    if line is None or not hasattr(line, "create_rich_menu"):
        return 0
    uploads = run_audience_uploads(sessions, line.audience_client, now) if hasattr(line, "audience_client") else 0
    return uploads + _run_menu_tasks(sessions, line, now, limit)


def _run_menu_tasks(sessions: sessionmaker[Session], line: Any, now: datetime, limit: int) -> int:
    with sessions() as session:
        due = [task.id for task in rich_menus.due_tasks(session, now, limit)]
    for task_id in due:
        with sessions.begin() as session:
            task = session.get(LineTask, task_id)
            menu = session.get(RichMenu, task.menu_id) if task else None
            if task is None:
                continue
            if menu is None:
                session.delete(task)
                continue
            try:
                _do(session, line, task, menu, now)
            except DeliveryError as exc:
                log.warning("LINE %s task for rich menu %s failed: %s", task.kind, menu.id, exc.reason[:200])
                rich_menus.task_failed(task, exc.reason, now, final=not exc.retryable)
            session.flush()
            rich_menus.finish_deleted(session, menu)
    return len(due)


def _do(session: Session, line: Any, task: LineTask, menu: RichMenu, now: datetime) -> None:
    if task.kind == "link":
        if menu.line_id is None:  # not published yet: wait for it, without counting an attempt
            task.due_at = now + WAIT_FOR_PUBLICATION
            return
        line.link_rich_menu(menu.line_id, list(task.user_ids))
    elif task.kind == "unlink":
        line.unlink_rich_menu(list(task.user_ids))
    elif task.kind == "delete_alias":
        if task.line_id:
            line.delete_rich_menu_alias(task.line_id)
    elif task.kind == "delete":
        if menu.deleted_at is not None:
            # a deleted menu: its alias goes first (LINE refuses to delete a menu an alias points to)
            if rich_menus.alias_deletion_pending(session, menu.id):
                task.due_at = now + WAIT_FOR_PUBLICATION
                return
            if task.line_id:
                line.delete_rich_menu(task.line_id)
        # a replaced menu goes once its successor is published and its users linked to it
        elif menu.line_id is None or rich_menus.earlier_tasks(session, task):
            task.due_at = now + WAIT_FOR_PUBLICATION
            return
        elif task.line_id and task.line_id != menu.line_id:
            line.delete_rich_menu(task.line_id)
    elif task.kind == "publish":
        if menu.image is None or menu.image_type is None:
            raise DeliveryError("the menu has no picture", retryable=False)
        menu_id = line.create_rich_menu(rich_menus.line_object(menu))
        line.upload_rich_menu_image(menu_id, menu.image, menu.image_type)
        if menu.target == "default":
            line.set_default_rich_menu(menu_id)
        if menu.alias:
            line.set_rich_menu_alias(menu.alias, menu_id)
        menu.line_id, menu.published_at = menu_id, now
    session.delete(task)
