"""Admin page for the rewards catalogue: what customers can spend points on, how often each was
redeemed, and a form to add or change one (the rules are in reward_form)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.config import LANGUAGES
from bot.console import reward_form, security
from bot.console.i18n import gettext as _
from bot.console.views import reading, runtime, save_coded_row
from bot.forms import FormErrors
from models import CouponTemplate, Reward, RewardRedemption

admin_rewards = Blueprint("admin_rewards", __name__)


@admin_rewards.get("/admin/rewards")
@security.allow("admin")
def rewards(errors: FormErrors | None = None, status: int = 200, failed_id: int | None = None) -> Any:
    with reading() as db:
        rows = list(db.scalars(select(Reward).order_by(Reward.active.desc(), Reward.points, Reward.code)))
        redeemed = dict(db.execute(select(RewardRedemption.reward_id, func.count()).group_by(RewardRedemption.reward_id)).all())
        templates = list(db.scalars(select(CouponTemplate.code).where(CouponTemplate.active).order_by(CouponTemplate.code)))
    return render_template("console/admin_rewards.html", rows=rows, redeemed=redeemed, templates=templates,
                           name_languages=LANGUAGES, default_language=runtime().settings.app.default_language,
                           errors=errors or {}, failed_id=failed_id, form=request.form), status


@admin_rewards.post("/admin/rewards")
@admin_rewards.post("/admin/rewards/<int:reward_id>")
@security.allow("admin")
def save_reward(reward_id: int | None = None) -> Any:
    with reading() as db:
        values, errors = reward_form.check(db, request.form, runtime().settings.app.default_language)
    code = save_coded_row(Reward, reward_id, reward_form, values, errors, "reward")
    if values is None or errors:
        return rewards(errors, 400, reward_id or 0)
    flash(_("Reward {code} saved.", code=code))
    return redirect(url_for("admin_rewards.rewards"))
