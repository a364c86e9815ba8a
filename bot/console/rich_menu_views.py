"""Rich menus in the console (marketers, admins): a default menu, menus per tier and per saved
segment, each drawn from a grid of labelled cells in the shop's colours or uploaded, checked by
LINE's rules before it is saved, and published to LINE by the worker (`bot.crm.rich_menus`).

Cells are written one a line as `label | kind:value` (postback, message, uri, date / time /
datetime pickers, switch to another menu's alias for tabs).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.views import form_text, reading, runtime, writing
from bot.crm import rich_menus
from bot.marketing.rich_menu_editor import grid_areas, parse_cell
from bot.marketing.rich_menu_images import check_image, draw_grid
from bot.marketing.segment_menus import segment_members
from channels.line.rich_menu_rules import ALIAS_RE, RichMenuError, check_menu
from models import LineTask, RichMenu, Segment, utcnow

menus = Blueprint("rich_menus", __name__)
SIZES = {"large": (2500, 1686), "compact": (2500, 843)}
COLOUR_CHARS = 7
UPLOAD_LIMIT = 1024 * 1024 + 1


@menus.get("/rich-menus")
@security.allow("rich_menus")
def index(error: str | None = None, status: int = 200) -> Any:
    with reading() as db:
        found = list(db.scalars(select(RichMenu).where(RichMenu.deleted_at.is_(None)).order_by(RichMenu.target, RichMenu.name)))
        deleting = list(db.scalars(select(RichMenu).where(RichMenu.deleted_at.is_not(None)).order_by(RichMenu.deleted_at)))
        segments = list(db.scalars(select(Segment).order_by(Segment.name)))
        tasks = _tasks_by_menu(db)
    return render_template("console/rich_menus.html", menus=found, deleting=deleting, tasks=tasks, segments=segments,
                           tiers=runtime().settings.tiers, error=error, form=request.form, sizes=SIZES), status


def _tasks_by_menu(db: Any) -> dict[int, list[LineTask]]:
    """Each menu's LINE calls still waiting or given up (with LINE's reason), for its card."""
    found: dict[int, list[LineTask]] = {}
    for task in db.scalars(select(LineTask).order_by(LineTask.id)):
        found.setdefault(task.menu_id, []).append(task)
    return found


@menus.post("/rich-menus")
@security.allow("rich_menus")
def save() -> Any:
    try:
        values = _read_form()
    except RichMenuError as exc:
        return index(_("Not saved: {reason}", reason=_(exc.template, **exc.fields)), 400)
    try:
        with writing() as db:
            menu = db.scalar(select(RichMenu).where(RichMenu.name == values["name"])) or RichMenu(name=values["name"])
            for key, value in values.items():
                setattr(menu, key, value)
            menu.updated_at = utcnow()
            db.add(menu)
    except IntegrityError:
        return index(_("Another menu uses this alias."), 400)
    flash(_("Menu {name} saved. Publish it to show it in LINE.", name=values["name"]))
    return redirect(url_for("rich_menus.index"))


def _read_form() -> dict[str, Any]:
    """The posted menu, checked by LINE's rules; RichMenuError says what LINE would refuse."""
    name = form_text("name", 100)
    if not name:
        raise RichMenuError("Give the menu a name.")
    target = request.form.get("target", "default")
    if target not in ("default", "tier", "segment"):
        raise RichMenuError("target must be default, tier or segment")
    tier = request.form.get("tier", type=int) if target == "tier" else None
    segment_id = request.form.get("segment_id", type=int) if target == "segment" else None
    if target == "tier" and tier not in {t.level for t in runtime().settings.tiers}:
        raise RichMenuError("Choose a tier.")
    if target == "segment" and segment_id is None:
        raise RichMenuError("Choose a saved segment.")
    alias = form_text("alias", 40) or None
    if alias and not ALIAS_RE.match(alias):
        raise RichMenuError("An alias has 1 to 32 characters: a-z, 0-9, _ and -.")
    width, height = SIZES.get(request.form.get("size", "large"), SIZES["large"])
    rows, cols = request.form.get("rows", 2, type=int), request.form.get("cols", 3, type=int)
    if not (1 <= rows <= 4 and 1 <= cols <= 5):
        raise RichMenuError("A grid has 1 to 4 rows and 1 to 5 columns.")
    cells = [parse_cell(line) for line in form_text("cells", 5000).splitlines() if line.strip()]
    if not cells:
        raise RichMenuError("Write at least one cell: label | kind:value.")
    areas = grid_areas(width, height, rows, cols, [action for _, action in cells])
    chat_bar = form_text("chat_bar_text", 40) or "選單"
    check_menu(width, height, chat_bar, areas)
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        image = upload.stream.read(UPLOAD_LIMIT)
        image_type = check_image(image, width, height)
    else:
        background, foreground = form_text("background", COLOUR_CHARS), form_text("foreground", COLOUR_CHARS)
        image = draw_grid(width, height, rows, cols, [label for label, _ in cells],
                          background=_colour(background, "#1f6f5c"), foreground=_colour(foreground, "#ffffff"))
        image_type = "image/png"
    return {"name": name, "target": target, "tier": tier, "segment_id": segment_id, "alias": alias, "width": width, "height": height,
            "areas": areas, "chat_bar_text": chat_bar, "image": image, "image_type": image_type}


def _colour(value: str, default: str) -> str:
    return value if len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:]) else default


@menus.get("/rich-menus/<int:menu_id>/image")
@security.allow("rich_menus")
def image(menu_id: int) -> Any:
    with reading() as db:
        menu = db.get(RichMenu, menu_id)
    if menu is None or menu.image is None:
        abort(404, "no such menu picture")
    return Response(menu.image, mimetype=menu.image_type or "image/png", headers={"Cache-Control": "no-store"})


def _live_menu(db: Any, menu_id: int) -> RichMenu:
    """The menu, or 404 (a deleted one too: it waits only for LINE to delete it)."""
    menu = db.get(RichMenu, menu_id)
    if menu is None or menu.deleted_at is not None:
        abort(404, "no such menu")
    return menu


@menus.post("/rich-menus/<int:menu_id>/publish")
@security.allow("rich_menus")
def publish(menu_id: int) -> Any:
    with writing() as db:
        menu = _live_menu(db, menu_id)
        members = segment_members(db, menu) if menu.target == "segment" else None
        links = rich_menus.publish(db, menu, utcnow(), members)
        name = menu.name
    flash(_("Menu {name} is being published ({n} link requests).", name=name, n=links))
    return redirect(url_for("rich_menus.index"))


@menus.post("/rich-menus/<int:menu_id>/delete")
@security.allow("rich_menus")
def delete(menu_id: int) -> Any:
    """Delete a menu here and on LINE (the worker deletes it there; its users fall back to the default)."""
    with writing() as db:
        menu = _live_menu(db, menu_id)
        name = menu.name
        on_line = rich_menus.delete_menu(db, menu, utcnow())
    flash(_("Menu {name} deleted; it is being deleted on LINE.", name=name) if on_line else _("Menu {name} deleted.", name=name))
    return redirect(url_for("rich_menus.index"))
