"""Lead campaigns: an incentive and a source code, its Telegram deep link and QR code, and how
many leads and first purchases each source brought (from customers.lead_source and orders)."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.views import form_text, reading, runtime, writing
from bot.i18n.texts import text
from models import Customer, LeadCampaign, Order

campaigns = Blueprint("campaigns", __name__)
CODE_RE = re.compile(r"^[a-z0-9_-]{1,40}$")
# Telegram's /start payload allows 64 characters of A-Z a-z 0-9 _ -; "src_" + a 40-character code fits.


def deep_link(code: str) -> str | None:
    username = runtime().settings.console.telegram_bot_username
    return f"https://t.me/{username}?start=src_{code}" if username else None


def line_link(code: str) -> str | None:
    """LINE's add-friend link carries no payload, so a campaign's LINE link opens the chat with a
    keyword typed in (`#<code>`, handlers/campaign_keyword.py records it as the source)."""
    settings = runtime().settings
    basic_id = settings.console.line_basic_id
    if not basic_id:
        return None
    words = text("campaigns.line_keyword", settings.app.default_language, settings.app.default_language, code=code)
    return f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(words)}"


def source_values(code: str) -> tuple[str, str]:
    """How a customer's lead_source may record this campaign (after `normal_source`): the bare
    code (an import's) or `campaign:<code>` (a deep link's, handlers/leads.py)."""
    return code, f"campaign:{code}"


def normal_source(source: str) -> str:
    """One key per referrer and per campaign: the raw start payloads older versions stored
    (`ref_abcd2345`, `src_spring`) read as what the bot records now (`referral:ABCD2345`,
    `campaign:spring`), so a referrer is listed once however the friend arrived."""
    if source.startswith("ref_"):
        return f"referral:{source[4:].upper()}"
    if source.startswith("src_"):
        return f"campaign:{source[4:]}"
    if source.startswith("referral:"):
        return source.upper().replace("REFERRAL:", "referral:", 1)
    return source


def source_stats(db: Any) -> dict[str, tuple[int, int]]:
    """lead_source (normalised) -> (leads, leads with a first purchase)."""
    bought = exists().where(Order.customer_id == Customer.id, Order.amount > 0)
    rows = db.execute(select(Customer.lead_source, func.count(), func.count().filter(bought))
                      .where(Customer.lead_source.is_not(None)).group_by(Customer.lead_source)).all()
    stats: dict[str, tuple[int, int]] = {}
    for source, leads, buyers in rows:
        key = normal_source(source)
        before = stats.get(key, (0, 0))
        stats[key] = (before[0] + int(leads), before[1] + int(buyers))
    return stats


@campaigns.get("/campaigns")
@security.allow("campaigns")
def index() -> Any:
    return _page({}, {})


def _page(form: Any, errors: dict[str, str], status: int = 200) -> Any:
    with reading() as db:
        rows = list(db.scalars(select(LeadCampaign).order_by(LeadCampaign.id.desc())))
        stats = source_stats(db)
    per_campaign = {}
    for campaign in rows:
        pairs = [stats.get(value, (0, 0)) for value in source_values(campaign.code)]
        per_campaign[campaign.id] = (sum(p[0] for p in pairs), sum(p[1] for p in pairs))
    return render_template("console/campaigns.html", campaigns=rows, per_campaign=per_campaign, stats=sorted(stats.items()),
                           deep_link=deep_link, line_link=line_link, form=form, errors=errors,
                           username=runtime().settings.console.telegram_bot_username,
                           line_basic_id=runtime().settings.console.line_basic_id), status


@campaigns.post("/campaigns")
@security.allow("campaigns")
def create() -> Any:
    code, name, incentive = form_text("code", 100).lower(), form_text("name", 100), form_text("incentive", 2000)
    errors = {}
    if not CODE_RE.match(code):
        errors["code"] = _("1-40 characters: a-z, 0-9, _ or -")
    if not name:
        errors["name"] = _("required")
    if errors:
        return _page(request.form, errors, 400)
    try:
        with writing() as db:
            db.add(LeadCampaign(code=code, name=name, incentive=incentive))
    except IntegrityError:
        return _page(request.form, {"code": _("This code is taken.")}, 400)
    flash(_("Campaign saved."))
    return redirect(url_for("campaigns.index"))


@campaigns.get("/campaigns/<int:campaign_id>/qr.png")
@security.allow("campaigns")
def qr(campaign_id: int) -> Any:
    return _qr(campaign_id, deep_link, "set [console] telegram_bot_username first", "")


@campaigns.get("/campaigns/<int:campaign_id>/line-qr.png")
@security.allow("campaigns")
def line_qr(campaign_id: int) -> Any:
    return _qr(campaign_id, line_link, "set [console] line_basic_id first", "-line")


def _qr(campaign_id: int, make_link: Any, missing: str, suffix: str) -> Any:
    with reading() as db:
        campaign = db.get(LeadCampaign, campaign_id)
    if campaign is None:
        abort(404, "no such campaign")
    link = make_link(campaign.code)
    if link is None:
        abort(409, missing)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    response = Response(buffer.getvalue(), mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="campaign-{campaign.code}{suffix}.png"'
    return response
