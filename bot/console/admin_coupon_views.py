"""Admin page for coupon templates: list them with how many coupons each has issued, add one, edit
one, retire or reactivate one. Never delete: issued coupons point at their template.

The rules of a template and why an edit makes the console its owner are in coupon_template_form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.config import LANGUAGES, Settings
from bot.console import coupon_template_form as template_form
from bot.console import security
from bot.console.base import current_language
from bot.console.i18n import gettext as _
from bot.console.views import reading, runtime, save_coded_row, writing
from bot.forms import FormErrors
from bot.i18n.commerce import gives
from models import Coupon, CouponTemplate

admin_coupons = Blueprint("admin_coupons", __name__)


@dataclass(frozen=True)
class TemplateRow:
    """One template as the page shows it."""

    template: CouponTemplate
    gives: str
    value: str
    issued: int
    handed_out_as: list[str]  # what config.toml hands it out as (welcome coupon, ...): retiring stops that
    in_config: bool  # config.toml lists this code too (ignored when the console owns it)


@admin_coupons.get("/admin/coupons")
@security.allow("admin")
def templates(errors: FormErrors | None = None, status: int = 200, failed_id: int | None = None) -> Any:
    settings = runtime().settings
    language, handed_out_as = current_language(), _handed_out_as(settings)
    config_codes = {entry.code for entry in settings.coupon_templates}
    with reading() as db:
        issued = dict(db.execute(select(Coupon.template_id, func.count()).group_by(Coupon.template_id)).all())
        rows = [TemplateRow(t, gives(t.kind, t.value, t.item, language, settings.app.default_language),
                            template_form.value_text(t.value), int(issued.get(t.id, 0)), handed_out_as.get(t.code, []),
                            t.code in config_codes)
                for t in db.scalars(select(CouponTemplate).order_by(CouponTemplate.active.desc(), CouponTemplate.code))]
    return render_template("console/admin_coupons.html", rows=rows, kinds=template_form.KIND_LABELS, name_languages=LANGUAGES,
                           default_language=settings.app.default_language, errors=errors or {}, failed_id=failed_id,
                           form=request.form), status


@admin_coupons.post("/admin/coupons")
@admin_coupons.post("/admin/coupons/<int:template_id>")
@security.allow("admin")
def save_template(template_id: int | None = None) -> Any:
    values, errors = template_form.check(request.form, runtime().settings.app.default_language)
    code = save_coded_row(CouponTemplate, template_id, template_form, values, errors, "coupon template")
    if values is None or errors:
        return templates(errors, 400, template_id or 0)
    flash(_("Coupon template {code} saved.", code=code))
    return redirect(url_for("admin_coupons.templates"))


@admin_coupons.post("/admin/coupons/<int:template_id>/active")
@security.allow("admin")
def set_active(template_id: int) -> Any:
    action = request.form.get("action", "")
    if action not in ("retire", "reactivate"):
        abort(400, "action must be retire or reactivate")
    with writing() as db:
        template = db.get(CouponTemplate, template_id)
        if template is None:
            abort(404, "no such coupon template")
        template_form.set_active(template, action == "reactivate")
        code = template.code
    flash(_("Coupon template {code} retired: no new coupons are issued from it.", code=code) if action == "retire"
          else _("Coupon template {code} is active again.", code=code))
    return redirect(url_for("admin_coupons.templates"))


def _handed_out_as(settings: Settings) -> dict[str, list[str]]:
    """Template code -> what config.toml uses it for, in the console's words."""
    uses: dict[str, list[str]] = {}
    named = [(settings.leads.incentive_coupon, _("welcome coupon")), (settings.coupons.welcome_template, _("welcome coupon")),
             (settings.loyalty.stamp_reward_template, _("stamp card reward"))]
    named += [(tier.benefit_coupon, _("tier gift")) for tier in settings.tiers]
    for code, use in named:
        if code and use not in uses.setdefault(code, []):
            uses[code].append(use)
    return uses
