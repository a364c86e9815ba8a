"""Admin pages for customer care: bookable services and opening hours, complaint phrases and SLA.

Services are rows in the database (seeded from config.toml's `[[services]]`), so they are edited
here. The complaint phrase lists start as config.toml's `[complaints]` and, once an admin saves
them here, live in `console_settings` (bot/crm/complaint_phrases.py). The shop's business hours,
holidays and SLA minutes are settings (config.toml / BOT_* variables, read once at start): shown
read-only, with where to change them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.config import LANGUAGES
from bot.console import security, service_form
from bot.console.i18n import gettext as _
from bot.console.queue_source import PRIORITIES
from bot.console.views import reading, runtime, save_coded_row, writing
from bot.crm import booking, complaint_phrases
from bot.forms import FormErrors
from models import ConsoleUser, Service

admin_care = Blueprint("admin_care", __name__)
PHRASE_LISTS = (("Complaint phrases", "words"), ("Phrases asking for a person", "human_words"),
                ("Severity phrases (urgent)", "severe_words"))


@admin_care.get("/admin/services")
@security.allow("admin")
def services(errors: FormErrors | None = None, status: int = 200, failed_id: int | None = None) -> Any:
    settings = runtime().settings
    with writing() as db:
        booking.sync_services(db, settings)
    with reading() as db:
        rows = list(db.scalars(select(Service).order_by(Service.id)))
    return render_template("console/admin_services.html", services=rows, name_languages=LANGUAGES,
                           business=settings.business, errors=errors or {}, failed_id=failed_id, form=request.form), status


@admin_care.post("/admin/services")
@admin_care.post("/admin/services/<int:service_id>")
@security.allow("admin")
def save_service(service_id: int | None = None) -> Any:
    values, errors = service_form.check(request.form)
    code = save_coded_row(Service, service_id, service_form, values, errors, "service")
    if values is None or errors:
        return services(errors, 400, service_id or 0)
    flash(_("Service {code} saved.", code=code))
    return redirect(url_for("admin_care.services"))


@admin_care.get("/admin/complaints")
@security.allow("admin")
def complaints(errors: FormErrors | None = None, status: int = 200) -> Any:
    """The phrase lists as a form (the saved row's, or config.toml's until one is saved); SLA and
    business hours stay read-only settings. After a refused save the admin's text is shown again."""
    settings = runtime().settings
    with reading() as db:
        phrases = complaint_phrases.phrase_lists(db, settings)
        row = complaint_phrases.saved_row(db)
        saved_by = db.get(ConsoleUser, row.updated_by_id) if row is not None and row.updated_by_id else None
        saved = {"at": row.updated_at, "by": saved_by.email if saved_by else None} if row is not None else None
    failed = request.method == "POST"
    lists = [(title, name, request.form.get(name, "") if failed else "\n".join(getattr(phrases, name)))
             for title, name in PHRASE_LISTS]
    threshold = request.form.get("tone_threshold", "") if failed else str(phrases.tone_threshold)
    sla = list(zip(PRIORITIES, settings.sla.first_response_minutes, settings.sla.resolution_minutes, strict=True))
    return render_template("console/admin_complaints.html", lists=lists, tone_threshold=threshold, sla=sla, saved=saved,
                           errors=errors or {}, limits=(complaint_phrases.PHRASE_MAX_LENGTH, complaint_phrases.LIST_MAX_PHRASES),
                           business=settings.business, supervisor=settings.staff.supervisor), status


@admin_care.post("/admin/complaints")
@security.allow("admin")
def save_complaints() -> Any:
    """Save all lists at once, or nothing: any refused field gives 400 with the reason next to it."""
    lists, problems = complaint_phrases.check_phrase_lists(request.form)
    if lists is None:
        errors = FormErrors({name: _(problem.message, **problem.fields) for name, problem in problems.items()})
        return complaints(errors, 400)
    with writing() as db:
        complaint_phrases.save_phrase_lists(db, lists, g.user.id)
    flash(_("Complaint phrases saved. The bot uses them from the next message."))
    return redirect(url_for("admin_care.complaints"))


@admin_care.post("/admin/complaints/reset")
@security.allow("admin")
def reset_complaints() -> Any:
    """Forget the console's lists: config.toml's [complaints] is in force again."""
    with writing() as db:
        complaint_phrases.reset_phrase_lists(db)
    flash(_("Complaint phrases reset to config.toml's [complaints]."))
    return redirect(url_for("admin_care.complaints"))
