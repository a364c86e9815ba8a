"""Broadcast pages: list, new (with schedule, channel policy, control group), progress (polled as
JSON while sending), pause / resume / cancel, per-recipient status, and results with lift."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.config import LANGUAGES
from bot.console import security
from bot.console.broadcast_card_form import card_field
from bot.console.broadcast_form import LANGUAGE_NAMES, parse_broadcast, translation_field
from bot.console.card_preview import flex_json
from bot.console.i18n import gettext as _
from bot.console.views import page_number, reading, runtime, writing
from bot.crm.value.intervals import mde_by_audience
from bot.events import Outbound
from bot.marketing import planning
from bot.marketing.messages import broadcast_card, card_for
from bot.marketing.planning import POLICIES, PlanningError
from bot.marketing.results import coupon_lift, progress, purchase_lift, recipient_status, window_open
from jobs.broadcasts import plan_due
from models import Broadcast, BroadcastRecipient, Coupon, CouponTemplate, Customer, OutboxMessage, Segment, utcnow

broadcasts = Blueprint("broadcasts", __name__)
RECIPIENTS_PAGE = 100
RECIPIENT_FILTERS = ("sent", "pending", "failed", "paused", "cancelled", "withheld", "control", "no_consent", "unreachable", "coupon_limit", "capped")


@broadcasts.get("/broadcasts")
@security.allow("broadcasts")
def index() -> Any:
    with reading() as db:
        rows = list(db.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(200)))
    return render_template("console/broadcasts.html", broadcasts=rows)


@broadcasts.get("/broadcasts/new")
@security.allow("broadcasts")
def new() -> Any:
    return _form({}, {})


def _form(form: Any, errors: dict[str, str], status: int = 200, preview: dict[str, Any] | None = None,
          previews: list[tuple[str, dict[str, Any]]] | None = None) -> Any:
    settings = runtime().settings
    with reading() as db:
        segments = list(db.scalars(select(Segment).order_by(Segment.name)))
        templates = list(db.scalars(select(CouponTemplate).where(CouponTemplate.active.is_(True)).order_by(CouponTemplate.code)))
    other_languages = [(lang, translation_field(lang), LANGUAGE_NAMES.get(lang, lang)) for lang in LANGUAGES if lang != settings.app.default_language]
    return render_template("console/broadcast_new.html", form=form, errors=errors, segments=segments, policies=POLICIES,
                           coupon_templates=templates, other_languages=other_languages, preview=preview, previews=previews or [],
                           card_field=card_field,
                           default_language=LANGUAGE_NAMES.get(settings.app.default_language, settings.app.default_language),
                           timezone=settings.app.timezone, mde_rows=_mde_rows(form)), status


def _mde_rows(form: Any) -> list[tuple[int, float | None]]:
    """What the chosen holdout could detect at a 5 % purchase rate, for a few audience sizes."""
    chosen = str(form.get("holdout_percent") or "").strip()
    try:
        percent = max(0, min(90, int(chosen))) if chosen else 10  # 10: the form's default
    except ValueError:
        percent = 10
    return mde_by_audience(percent, 0.05)


@broadcasts.post("/broadcasts")
@security.allow("broadcasts")
def create() -> Any:
    settings = runtime().settings
    now = utcnow()
    with writing() as db:
        values, errors = parse_broadcast(db, request.form, ZoneInfo(settings.app.timezone), now, settings.app.default_language)
        if errors or request.form.get("preview"):
            db.rollback()
        else:
            broadcast = Broadcast(**values, created_by_id=g.user.id)
            db.add(broadcast)
            db.flush()
            broadcast_id, send_now = broadcast.id, broadcast.status == "scheduled" and broadcast.send_at is not None and broadcast.send_at <= now
    if errors:
        return _form(request.form, {k: _(v) for k, v in errors.items()}, 400)
    if request.form.get("preview"):  # drawn from what would be saved, nothing saved
        return _form(request.form, {}, preview=card_preview(values), previews=language_previews(values))
    if send_now:  # "now" means now, whether or not a scheduler runs in this installation
        plan_due(runtime().sessions, broadcast_id, settings, now)
    flash(_("Broadcast saved."))
    return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))


def _broadcast_or_404(db: Any, broadcast_id: int) -> Broadcast:
    found = db.get(Broadcast, broadcast_id)
    if found is None:
        abort(404, "no such broadcast")
    return found


@broadcasts.get("/broadcasts/<int:broadcast_id>")
@security.allow("broadcasts")
def show(broadcast_id: int) -> Any:
    window = request.args.get("window", type=int)
    with reading() as db:
        broadcast = _broadcast_or_404(db, broadcast_id)
        window = window if window and 1 <= window <= 365 else broadcast.results_window_days
        state = progress(db, broadcast_id)
        lift = purchase_lift(db, broadcast, window)
        coupons = coupon_lift(db, broadcast, window)
        segment = db.get(Segment, broadcast.segment_id) if broadcast.segment_id else None
        coupon_template = db.get(CouponTemplate, broadcast.coupon_template_id) if broadcast.coupon_template_id else None
        children = list(db.scalars(select(Broadcast).where(Broadcast.parent_id == broadcast_id).order_by(Broadcast.id.desc()).limit(50)))
    shown = {"image_url": broadcast.image_url, "card": broadcast.card, "text": broadcast.text, "translations": broadcast.translations}
    return render_template("console/broadcast.html", broadcast=broadcast, progress=state, status=state.shown_status(broadcast.status),
                           lift=lift, coupons=coupons, window=window,
                           window_open=window_open(lift) if lift else False, segment=segment, children=children,
                           coupon_template=coupon_template, language_names=LANGUAGE_NAMES,
                           preview=card_preview(shown), previews=language_previews(shown))


def card_preview(values: dict[str, Any], language: str = "") -> dict[str, Any] | None:
    """The Flex JSON LINE would receive for a broadcast's card in `language` ("" the default), or None without one."""
    text = (values.get("translations") or {}).get(language) or values["text"]
    card = broadcast_card(values.get("image_url"), card_for(values.get("card"), language), text)
    return flex_json(Outbound(text, card=card)) if card is not None else None


def language_previews(values: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The card as each language's readers get it, for the languages the card has its own words in."""
    found = []
    for language in sorted((values.get("card") or {}).get("translations") or {}):
        flex = card_preview(values, language)
        if flex is not None:
            found.append((LANGUAGE_NAMES.get(language, language), flex))
    return found


@broadcasts.get("/broadcasts/<int:broadcast_id>/progress.json")
@security.allow("broadcasts")
def progress_json(broadcast_id: int) -> Any:
    with reading() as db:
        broadcast = _broadcast_or_404(db, broadcast_id)
        state = progress(db, broadcast_id)
    return jsonify(status=state.shown_status(broadcast.status), percent=round(state.percent, 1), treated=state.treated, finished=state.finished,
                   statuses=state.statuses, control=state.control, skipped=state.skipped)


@broadcasts.post("/broadcasts/<int:broadcast_id>/<any(pause, resume, cancel):action>")
@security.allow("broadcasts")
def act(broadcast_id: int, action: str) -> Any:
    now = utcnow()
    try:
        with writing() as db:
            broadcast = _broadcast_or_404(db, broadcast_id)
            if action == "pause":
                planning.pause(db, broadcast)
            elif action == "resume":
                planning.resume(db, broadcast, runtime().settings, now)
            else:
                planning.cancel(db, broadcast, now)
    except PlanningError as exc:
        abort(409, str(exc))
    flash({"pause": _("Broadcast paused."), "resume": _("Broadcast resumed."), "cancel": _("Broadcast cancelled.")}[action])
    return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))


@broadcasts.get("/broadcasts/<int:broadcast_id>/recipients")
@security.allow("broadcasts")
def recipients(broadcast_id: int) -> Any:
    shown = request.args.get("status") if request.args.get("status") in RECIPIENT_FILTERS else None
    page = page_number()
    with reading() as db:
        broadcast = _broadcast_or_404(db, broadcast_id)
        status = recipient_status()
        query = (select(BroadcastRecipient, Customer.display_name, status, OutboxMessage.last_error, Coupon.code)
                 .join(Customer, Customer.id == BroadcastRecipient.customer_id)
                 .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
                 .outerjoin(Coupon, Coupon.id == BroadcastRecipient.coupon_id)
                 .where(BroadcastRecipient.broadcast_id == broadcast_id))
        if shown == "control":
            query = query.where(BroadcastRecipient.group == "control")
        elif shown in ("no_consent", "unreachable", "coupon_limit", "capped"):
            query = query.where(BroadcastRecipient.group == "skipped", BroadcastRecipient.skip_reason == shown)
        elif shown:
            query = query.where(BroadcastRecipient.group == "treated", status == shown)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(query.order_by(BroadcastRecipient.id).offset((page - 1) * RECIPIENTS_PAGE).limit(RECIPIENTS_PAGE)).all()
    return render_template("console/broadcast_recipients.html", broadcast=broadcast, rows=rows, shown=shown, filters=RECIPIENT_FILTERS,
                           page=page, pages=max((total + RECIPIENTS_PAGE - 1) // RECIPIENTS_PAGE, 1), total=total)
