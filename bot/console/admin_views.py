"""Admin pages: users and roles, canned replies, FAQ answers, and the channels' status."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.passwords import generate_password
from bot.console.users import UserError, create_user, deactivate, set_password
from bot.console.views import form_text, reading, runtime, writing
from bot.crm.faq_store import parse_keywords, seed_faq
from channels import registry
from models import ROLES, CannedReply, ConsoleUser, FaqAnswer

admin = Blueprint("admin", __name__)


# --- users -------------------------------------------------------------------------------------

@admin.get("/admin/users")
@security.allow("admin")
def users(errors: dict[str, str] | None = None, status: int = 200, new_password: tuple[str, str] | None = None) -> Any:
    with reading() as db:
        rows = list(db.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))
    return render_template("console/admin_users.html", users=rows, roles=ROLES, errors=errors or {}, form=request.form,
                           new_password=new_password), status


@admin.post("/admin/users")
@security.allow("admin")
def add_user() -> Any:
    try:
        with writing() as db:
            user, password = create_user(db, form_text("email", 320), request.form.get("role", ""))
            email = user.email
    except UserError as exc:
        field = "role" if "role" in str(exc) else "email"
        return users({field: str(exc)}, 400)
    return users(new_password=(email, password))


@admin.post("/admin/users/<int:user_id>")
@security.allow("admin")
def change_user(user_id: int) -> Any:
    action = request.form.get("action", "")
    with writing() as db:
        user = db.get(ConsoleUser, user_id)
        if user is None:
            abort(404, "no such user")
        admins = db.scalar(select(func.count()).select_from(ConsoleUser).where(ConsoleUser.role == "admin", ConsoleUser.active)) or 0
        last_admin = user.role == "admin" and user.active and admins <= 1
        if action == "role":
            role = request.form.get("role", "")
            if role not in ROLES:
                abort(400, f"role must be one of {', '.join(ROLES)}")
            if last_admin and role != "admin":
                abort(409, "this is the last admin; make another admin first")
            user.role = role
        elif action in ("deactivate", "activate"):
            if action == "deactivate" and (user.id == g.user.id or last_admin):
                abort(409, "you cannot deactivate yourself or the last admin")
            if action == "deactivate":
                deactivate(db, user)  # signed out everywhere, and stays out if reactivated later
            else:
                user.active = True
        elif action == "reset":
            password = generate_password()
            set_password(user, password)
            email = user.email
        else:
            abort(400, f"unknown action {action!r}")
    if action == "reset":
        return users(new_password=(email, password))
    flash(_("User updated."))
    return redirect(url_for("admin.users"))


# --- rows kept in an admin-ordered list (canned replies, FAQ answers) ----------------------------

ListedRow = TypeVar("ListedRow", CannedReply, FaqAnswer)


def _delete(model: type[CannedReply | FaqAnswer], row_id: int) -> None:
    """Delete one row; a row already gone is no error, since a second click on Delete lands here too."""
    with writing() as db:
        row = db.get(model, row_id)
        if row is not None:
            db.delete(row)


def _row_to_save(db: Session, model: type[ListedRow], row_id: int | None, what: str) -> ListedRow:
    """The row an edit form saves into: the one its URL names (404 if deleted meanwhile) or a new one,
    placed where the form's position says, so both lists order and edit the same way."""
    row = db.get(model, row_id) if row_id else model()
    if row is None:
        abort(404, f"no such {what}")
    row.position = request.form.get("position", type=int) or 0
    return row


# --- canned replies ---------------------------------------------------------------------------

@admin.get("/admin/canned")
@security.allow("admin")
def canned(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    with reading() as db:
        rows = list(db.scalars(select(CannedReply).order_by(CannedReply.position, CannedReply.id)))
    return render_template("console/admin_canned.html", replies=rows, errors=errors or {}, form=request.form), status


@admin.post("/admin/canned")
@admin.post("/admin/canned/<int:reply_id>")
@security.allow("admin")
def save_canned(reply_id: int | None = None) -> Any:
    if request.form.get("action") == "delete" and reply_id:
        _delete(CannedReply, reply_id)
        flash(_("Canned reply deleted."))
        return redirect(url_for("admin.canned"))
    title, text = form_text("title", 100), form_text("text", 5000)
    errors = {k: _("required") for k, v in (("title", title), ("text", text)) if not v}
    if errors:
        return canned(errors, 400)
    with writing() as db:
        row = _row_to_save(db, CannedReply, reply_id, "canned reply")
        row.title, row.text = title, text
        db.add(row)
    flash(_("Canned reply saved."))
    return redirect(url_for("admin.canned"))


# --- FAQ answers -------------------------------------------------------------------------------

@admin.get("/admin/faq")
@security.allow("admin")
def faq(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    with writing() as db:
        seed_faq(db, runtime().settings)  # the first visit starts from config's answers
    with reading() as db:
        rows = list(db.scalars(select(FaqAnswer).order_by(FaqAnswer.position, FaqAnswer.id)))
    return render_template("console/admin_faq.html", answers=rows, faq_languages=LANGUAGES, errors=errors or {}, form=request.form), status


@admin.post("/admin/faq")
@admin.post("/admin/faq/<int:answer_id>")
@security.allow("admin")
def save_faq(answer_id: int | None = None) -> Any:
    if request.form.get("action") == "delete" and answer_id:
        _delete(FaqAnswer, answer_id)
        flash(_("FAQ answer deleted."))
        return redirect(url_for("admin.faq"))
    keywords = parse_keywords(form_text("keywords", 2000))
    answer = {lang: form_text(f"answer_{lang}", 2000) for lang in LANGUAGES if form_text(f"answer_{lang}", 2000)}
    errors = {}
    if not keywords:
        errors["keywords"] = _("Give at least one keyword.")
    if not answer:
        errors["answer_zh-TW"] = _("Give the answer in at least one language.")
    if errors:
        return faq(errors, 400)
    with writing() as db:
        row = _row_to_save(db, FaqAnswer, answer_id, "FAQ answer")
        row.keywords, row.answer = keywords, answer
        row.active = request.form.get("active", "on") == "on"
        db.add(row)
    flash(_("FAQ answer saved."))
    return redirect(url_for("admin.faq"))


# --- channels ----------------------------------------------------------------------------------

@admin.get("/admin/channels")
@security.allow("admin")
def channels() -> Any:
    rt = runtime()
    public = rt.settings.web.public_url.rstrip("/")
    records = registry.records()
    rows = [{"name": r.name, "configured": r.name in rt.channels,
             "webhook": f"{public}/webhooks/{r.name}" if public and r.console.webhook else None} for r in records]
    sandbox = any(r.console.in_sandbox(rt.settings) for r in records if r.console.in_sandbox)
    return render_template("console/admin_channels.html", channels=rows, public_url=public, sandbox=sandbox)
