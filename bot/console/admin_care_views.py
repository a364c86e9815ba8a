"""Admin pages for customer care: bookable services and opening hours, complaint phrases and SLA.

Services are rows in the database (seeded from config.toml's `[[services]]`), so they are edited
here. The shop's business hours, holidays, complaint phrases and SLA minutes are settings
(config.toml / BOT_* variables, read once at start): shown read-only, with where to change them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.config import LANGUAGES
from bot.console import security, service_form
from bot.console.i18n import gettext as _
from bot.console.queue_source import PRIORITIES
from bot.console.views import reading, runtime, writing
from bot.forms import FormErrors
from handlers import booking
from models import Service

admin_care = Blueprint("admin_care", __name__)


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
    with writing() as db:
        service = db.get(Service, service_id) if service_id else None
        if service_id and service is None:
            abort(404, "no such service")
        code = service.code if service else service_form.check_code(db, request.form.get("code", ""), errors)
        if values is not None and not errors:
            service_form.save(db, service, code, values)
    if values is None or errors:
        return services(errors, 400, service_id or 0)
    flash(_("Service {code} saved.", code=code))
    return redirect(url_for("admin_care.services"))


@admin_care.get("/admin/complaints")
@security.allow("admin")
def complaints() -> Any:
    settings = runtime().settings
    phrases = settings.complaints
    lists = [("Complaint phrases", "words", phrases.words), ("Phrases asking for a person", "human_words", phrases.human_words),
             ("Severity phrases (urgent)", "severe_words", phrases.severe_words)]
    sla = list(zip(PRIORITIES, settings.sla.first_response_minutes, settings.sla.resolution_minutes, strict=True))
    return render_template("console/admin_complaints.html", lists=lists, tone_threshold=phrases.tone_threshold, sla=sla,
                           business=settings.business, supervisor=settings.staff.supervisor)
