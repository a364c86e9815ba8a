"""First contact and lead capture: the welcome with the incentive, the short dialogue that asks
what config wants to know, explicit marketing consent, and the incentive coupon, once.

Why the coupon goes through `issue_incentive`: its idempotency key `lead-incentive:<customer>` in
`bot.crm.coupons` is what makes "exactly once, whatever the retries" hold. When the coupon cannot
be issued (a bad template) the incentive is recorded as pending in the dialogue state and issued
the next time the customer completes or restarts the capture.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from sqlalchemy import select

from bot.crm import hooks
from bot.crm.coupons import CouponError, issue_coupon
from bot.engine import Context
from bot.events import REQUEST_PHONE, Button, Outbound
from bot.i18n.commerce import gives, local_date
from bot.i18n.texts import LEADS as TEXTS
from handlers import lead_fields as fields
from handlers import lead_link as link
from handlers import welcome
from handlers.common import end_flow, flow_data, flow_of, is_command, keep_flow_language, mentions, miss, say, start_flow, update_flow
from handlers.consent import MARKETING, TRANSACTIONAL, set_consent
from handlers.faq import menu_buttons
from models import Coupon

log = logging.getLogger(__name__)
FLOW = "lead"
CANCEL_WORDS = ("取消", "cancel", "quit", "退出", "算了")
RESEND_WORDS = ("重寄", "重寄驗證碼", "重寄验证码", "resend", "new code")
YES_WORDS = ("yes", "y", "ok", "sure", "好", "好的", "是", "要", "願意", "愿意", "可以")
NO_WORDS = ("no", "n", "不要", "不用", "不用了", "否", "不願意", "不愿意", "不")
REFERRAL = re.compile(r"^(?:推薦碼|推荐码|referral(?: code)?|ref)\s*[:：]?\s*([A-Za-z0-9]{8})$", re.IGNORECASE)
DEEP_LINK = re.compile(r"^(ref|src)_([A-Za-z0-9_-]{1,64})$")


# --- first contact -------------------------------------------------------------------------------

def on_follow(ctx: Context) -> Sequence[Outbound] | None:
    """LINE follow, Telegram /start (with an optional deep link), a first email: greet and offer
    the incentive (the campaign's, when the deep link names one)."""
    deep_link = None
    if ctx.event.kind == "follow":
        # the Telegram adapter stores `/start <payload>` as "start"; "deep_link" is the older name
        deep_link = ctx.event.payload.get("start") or ctx.event.payload.get("deep_link")
    elif ctx.event.kind == "text" and ctx.text.split(" ", 1)[0] == "/start":
        deep_link = ctx.text[len("/start"):].strip() or None
    else:
        return None
    campaign = _apply_deep_link(ctx, str(deep_link)) if deep_link and ctx.customer is not None else None
    if ctx.customer is not None:  # journeys that start on a follow or a first contact
        hooks.signal(ctx.session, ctx.customer.id, "follow", {"campaign": campaign or ""}, ctx.now)
    lines = welcome.welcome_lines(ctx, back=bool(ctx.event.payload.get("unblocked")), campaign=campaign)
    return [Outbound("\n".join(lines), quick_replies=(welcome.join_button(ctx), *menu_buttons(ctx))[:13])]


def _apply_deep_link(ctx: Context, payload: str) -> str | None:
    """`ref_<code>`: referred by that customer, exactly as if the code had been typed (so the
    referrer earns the bonus); `src_<campaign>`: came from that campaign. Returns the campaign."""
    match = DEEP_LINK.match(payload)
    if not match:
        return None
    kind, value = match.groups()
    if kind == "ref":
        link.apply_referral(ctx, value)
        return None
    if ctx.customer is not None and not ctx.customer.lead_source:
        ctx.customer.lead_source = f"{welcome.CAMPAIGN_PREFIX}{value}"
    return value


# The campaign-source rule shared with the LINE keyword links (handlers/campaign_keyword.py).
apply_deep_link = _apply_deep_link


def on_join(ctx: Context) -> Sequence[Outbound] | None:
    """The bot was added to a group or room: introduce itself once."""
    if ctx.event.kind != "join":
        return None
    ctx.conversation.active = True
    return [Outbound(ctx.t("group_hello"))]


# --- keywords: start the capture, a typed referral code ------------------------------------------

def on_lead_keywords(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or ctx.event.chat_type != "user":
        return None
    if ctx.postback == "lead:start" or (ctx.event.kind == "text" and mentions(ctx.text, ctx.settings.leads.start_words)):
        return start_capture(ctx)
    match = REFERRAL.match(ctx.text) if ctx.event.kind == "text" else None
    if match:
        return [Outbound(say(ctx, TEXTS, link.apply_referral(ctx, match.group(1)), code=match.group(1).upper()))]
    return None


def start_capture(ctx: Context) -> list[Outbound]:
    start_flow(ctx, FLOW, "start")
    return _advance(ctx, after=None, prefix=say(ctx, TEXTS, "intro"))


def _order(ctx: Context) -> list[str]:
    return [f for f in ctx.settings.leads.fields if fields.askable(ctx, f)]


def _advance(ctx: Context, after: str | None, prefix: str | None = None) -> list[Outbound]:
    """Ask the next field in config order that we do not know yet; then consent; then finish."""
    order = _order(ctx)
    start = order.index(after) + 1 if after in order else 0
    for field in order[start:]:
        if not fields.is_known(ctx, field):
            update_flow(ctx, step=field)
            return [fields.prompt(ctx, field, prefix)]
    update_flow(ctx, step="consent")
    return [fields.consent_prompt(ctx, prefix)]


# --- the dialogue --------------------------------------------------------------------------------

def on_contact_share(ctx: Context) -> Sequence[Outbound] | None:
    """A shared contact, in the dialogue or not: a verified phone number (or a link by it)."""
    if ctx.event.kind != "contact" or ctx.customer is None or ctx.event.chat_type != "user":
        return None
    key = link.take_contact(ctx)
    ask_again = (Button(label=say(ctx, TEXTS, "share_phone"), data=REQUEST_PHONE),) if key == "phone_not_yours" else ()
    replies = [Outbound(say(ctx, TEXTS, key), quick_replies=ask_again)]
    if flow_of(ctx) == FLOW and ctx.state is not None and ctx.state.step == "phone" and key != "phone_not_yours":
        replies.extend(_advance(ctx, after="phone"))
    return replies


def on_lead_dialogue(ctx: Context) -> Sequence[Outbound] | None:
    if flow_of(ctx) != FLOW or ctx.event.kind not in ("text", "postback") or ctx.event.chat_type != "user":
        return None
    data = ctx.postback
    if ctx.event.kind == "postback" and not data.startswith("lead:"):
        return None  # a button from elsewhere (the menu): not an answer to our question
    if data == "lead:start":
        return start_capture(ctx)
    if ctx.event.kind == "text" and is_command(ctx.text, _other_commands(ctx)):
        end_flow(ctx)  # the customer changed their mind ("預約"): leave the form, let the keywords answer
        return None
    keep_flow_language(ctx)
    if is_command(ctx.text, CANCEL_WORDS):
        end_flow(ctx)
        return [Outbound(say(ctx, TEXTS, "cancelled"), quick_replies=menu_buttons(ctx))]
    step = ctx.state.step if ctx.state is not None else None
    if step == "consent":
        return _answer_consent(ctx, data)
    if step == "email_code":
        return _answer_code(ctx, data)
    if step in fields.PARSERS or step == "phone":
        return _answer_field(ctx, step, data)
    return _advance(ctx, after=None)


def _other_commands(ctx: Context) -> tuple[str, ...]:
    appointments = ctx.settings.appointments
    return (*appointments.book_words, *appointments.my_bookings_words)


def _answer_field(ctx: Context, field: str, data: str) -> list[Outbound]:
    if data == "lead:skip":
        if field in ctx.settings.leads.required:
            return [fields.prompt(ctx, field, say(ctx, TEXTS, "required"))]
        return _advance(ctx, after=field)
    if field == "phone":
        return _bad_value(ctx, field, say(ctx, TEXTS, "phone_typed"))
    raw = data.removeprefix("lead:value:") if data.startswith("lead:value:") else fields.canonical(ctx, field, ctx.text)
    value = fields.PARSERS[field](raw)
    if isinstance(value, fields.Invalid):
        return _bad_value(ctx, field, say(ctx, TEXTS, value.key, value=raw[:60]))
    if field == "email":
        owner = link.owner_of(ctx, email=value)
        if owner is not None:
            return _send_code(ctx, value, owner.id)
    fields.store(ctx, field, value)
    return _advance(ctx, after=field)


def _bad_value(ctx: Context, field: str, complaint: str) -> list[Outbound]:
    """First bad value: say what is wrong and ask again. Second: skip the field, or pause if it
    is required (what was entered so far is kept)."""
    if miss(ctx) < 2:
        return [fields.prompt(ctx, field, complaint)]
    if field in ctx.settings.leads.required:
        end_flow(ctx)
        return [Outbound(f"{complaint}\n{say(ctx, TEXTS, 'paused')}", quick_replies=menu_buttons(ctx))]
    return _advance(ctx, after=field, prefix=f"{complaint}\n{say(ctx, TEXTS, 'skipped_after_retry')}")


def _code_buttons(ctx: Context) -> tuple[Button, ...]:
    return (Button(say(ctx, TEXTS, "resend"), "lead:resend"), Button(say(ctx, TEXTS, "other_email"), "lead:other_email"))


def _send_code(ctx: Context, email: str, owner_id: int) -> list[Outbound]:
    if not link.send_code(ctx, email):
        return _bad_value(ctx, "email", say(ctx, TEXTS, "code_limit"))
    update_flow(ctx, step="email_code", pending_email=email, link_to=owner_id)
    text = say(ctx, TEXTS, "code_sent", email=email, n=ctx.settings.leads.code_ttl_minutes, minutes=ctx.settings.leads.code_ttl_minutes)
    return [Outbound(text, quick_replies=_code_buttons(ctx))]


def _answer_code(ctx: Context, data: str) -> list[Outbound]:
    state = flow_data(ctx)
    email, owner_id = state.get("pending_email"), state.get("link_to")
    if data == "lead:other_email" or not email:
        update_flow(ctx, step="email")
        return [fields.prompt(ctx, "email")]
    if data == "lead:resend" or is_command(ctx.text, RESEND_WORDS):
        assert owner_id is not None  # _send_code stores link_to with pending_email; both are cleared together
        return _send_code(ctx, email, owner_id)
    typed = re.sub(r"\s", "", ctx.text)
    if not re.fullmatch(r"\d{6}", typed):
        if miss(ctx) >= 2:
            update_flow(ctx, step="email")
            return [fields.prompt(ctx, "email", say(ctx, TEXTS, "code_not_digits"))]
        return [Outbound(say(ctx, TEXTS, "code_not_digits"), quick_replies=_code_buttons(ctx))]
    outcome, left = link.check_code(ctx, email, typed)
    if outcome == "wrong":
        return [Outbound(say(ctx, TEXTS, "code_wrong", n=left, left=left), quick_replies=_code_buttons(ctx))]
    if outcome in ("expired", "locked"):
        update_flow(ctx, step="email")
        return [fields.prompt(ctx, "email", say(ctx, TEXTS, f"code_{outcome}"))]
    target = ctx.session.get(type(ctx.customer), owner_id)
    if target is None or target.stage == "merged" or target.email != email:
        update_flow(ctx, step="email")
        return [fields.prompt(ctx, "email", say(ctx, TEXTS, "code_expired"))]
    link.link_to(ctx, target)
    update_flow(ctx, pending_email=None, link_to=None)
    return _advance(ctx, after="email", prefix=say(ctx, TEXTS, "linked"))


def _answer_consent(ctx: Context, data: str) -> list[Outbound]:
    if data == "lead:consent:yes" or is_command(ctx.text, YES_WORDS):
        granted = True
    elif data == "lead:consent:no" or is_command(ctx.text, NO_WORDS):
        granted = False
    else:
        if miss(ctx) >= 2:
            end_flow(ctx)
            return [Outbound(f"{say(ctx, TEXTS, 'bad_consent')}\n{say(ctx, TEXTS, 'paused')}", quick_replies=menu_buttons(ctx))]
        return [fields.consent_prompt(ctx, say(ctx, TEXTS, "bad_consent"))]
    source = f"{ctx.event.channel}:lead_capture"
    set_consent(ctx, MARKETING, granted, source)
    set_consent(ctx, TRANSACTIONAL, True, source)
    return _complete(ctx)


def _complete(ctx: Context) -> list[Outbound]:
    customer = ctx.customer
    assert customer is not None
    end_flow(ctx)
    if customer.stage == "stranger":
        customer.stage = "lead"
    hooks.signal(ctx.session, customer.id, "lead_captured", {"source": customer.lead_source or ""}, ctx.now)
    customer.lead_source = customer.lead_source or f"{ctx.event.channel}:direct"
    name = f" {customer.display_name}" if ctx.language == "en" and customer.display_name else (customer.display_name or "")
    lines = [say(ctx, TEXTS, "done", name=name)]
    if customer.email or customer.phone:
        status, code = issue_incentive(ctx)
        if status == "issued":
            lines.append(_coupon_line(ctx, str(code)))
        elif status == "pending":
            lines.append(say(ctx, TEXTS, "coupon_pending"))
    else:
        lines.append(say(ctx, TEXTS, "coupon_needs_contact"))
    lines.append(say(ctx, TEXTS, "your_referral_code", code=link.referral_code_for(ctx, customer.id)))
    return [Outbound("\n".join(lines), quick_replies=menu_buttons(ctx))]


# --- the incentive -------------------------------------------------------------------------------

def _coupon_line(ctx: Context, code: str) -> str:
    """The issued coupon with what it gives and until when (a code alone tells the customer nothing)."""
    coupon = ctx.session.scalar(select(Coupon).where(Coupon.code == code))
    if coupon is None:  # pragma: no cover - issue_incentive just returned it
        return say(ctx, TEXTS, "coupon_pending")
    default = ctx.settings.app.default_language
    return say(ctx, TEXTS, "coupon_issued", code=code, expiry=local_date(coupon.expires_at, ctx.settings.app.timezone),
               gives=gives(coupon.kind, coupon.value, coupon.template.item, ctx.language, default))


def issue_incentive(ctx: Context) -> tuple[str, str | None]:
    """Issue the lead incentive coupon once per customer: ("issued", code), ("pending", None) when
    issuing failed, or ("none", None) when no incentive is configured or the customer is in a cluster
    the shop stopped promoting to (the incentive is a promotion)."""
    customer, template = ctx.customer, ctx.settings.leads.incentive_coupon
    if customer is None or not template or ctx.state is None:
        return "none", None
    try:
        with ctx.session.begin_nested():
            coupon = issue_coupon(ctx.session, customer.id, template, source="lead_incentive",
                                          idempotency_key=f"lead-incentive:{customer.id}")
    except Exception as exc:  # a bad template must not lose the customer's answers
        if isinstance(exc, CouponError) and exc.reason == "withheld":  # a promotion; their cluster is not promoted to
            return "none", None
        log.exception("lead incentive could not be issued", extra={"customer_id": customer.id})
        return _incentive_pending(ctx, template, f"{type(exc).__name__}")
    code = coupon.code
    ctx.state.data = {**ctx.state.data, "incentive": {"status": "issued", "template": template, "code": code}}
    return "issued", code


def _incentive_pending(ctx: Context, template: str, reason: str) -> tuple[str, None]:
    assert ctx.state is not None
    current = ctx.state.data.get("incentive") or {}
    if current.get("status") != "pending":
        ctx.state.data = {**ctx.state.data, "incentive": {"status": "pending", "template": template, "reason": reason,
                                                          "since": ctx.now.isoformat()}}
    return "pending", None
