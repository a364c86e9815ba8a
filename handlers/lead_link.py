"""Linking a chat to a customer we already know: by an email code, or by a verified phone.

Why so strict: linking hands this chat the other customer's coupons, points and history, so an
email is linked only after a code sent to that address is typed back (6 digits, 10 minutes,
5 tries, a few codes per hour), and a phone only when the platform itself vouches that it is the
sender's own number. Referral codes live here too: they also tie one customer to another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot import pipeline
from bot.engine import Context
from bot.events import Outbound
from bot.i18n.texts import LEADS as TEXTS
from handlers.channel_events import verified_phone
from handlers.common import render
from models import ChannelIdentity, Consent, Conversation, Customer, DialogueState, EmailVerification, ReferralCode

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: easy to read out and type
REFERRAL_LENGTH = 8


# --- email codes ---------------------------------------------------------------------------------

def _hash(code: str, salt: str) -> str:
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def codes_sent_recently(ctx: Context) -> int:
    assert ctx.customer is not None
    return ctx.session.scalar(select(func.count()).select_from(EmailVerification).where(
        EmailVerification.customer_id == ctx.customer.id,
        EmailVerification.created_at > ctx.now - timedelta(hours=1))) or 0


def send_code(ctx: Context, email: str) -> bool:
    """Queue a fresh code to the address (earlier codes stop working). False when over the limit."""
    assert ctx.customer is not None
    leads = ctx.settings.leads
    if codes_sent_recently(ctx) >= leads.codes_per_hour:
        return False
    ctx.session.execute(update(EmailVerification).where(
        EmailVerification.customer_id == ctx.customer.id, EmailVerification.consumed_at.is_(None))
        .values(consumed_at=ctx.now))
    code = f"{secrets.randbelow(10**6):06d}"
    ctx.session.add(EmailVerification(customer_id=ctx.customer.id, email=email, code_hash=_hash(code, secrets.token_hex(8)),
                                      expires_at=ctx.now + timedelta(minutes=leads.code_ttl_minutes), created_at=ctx.now))
    language, minutes = ctx.language, leads.code_ttl_minutes
    message = Outbound(render(TEXTS, "code_email_body", language, ctx.settings, code=code, n=minutes, minutes=minutes),
                       title=render(TEXTS, "code_email_subject", language, ctx.settings))
    pipeline.enqueue(ctx.session, "email", email, [message], purpose="verification", customer_id=ctx.customer.id)
    return True


def check_code(ctx: Context, email: str, typed: str) -> tuple[str, int]:
    """("ok" | "wrong" | "expired" | "locked", tries left) for a typed code."""
    assert ctx.customer is not None
    row = ctx.session.scalar(
        select(EmailVerification).where(EmailVerification.customer_id == ctx.customer.id, EmailVerification.email == email,
                                        EmailVerification.consumed_at.is_(None))
        .order_by(EmailVerification.id.desc()).limit(1))
    limit = ctx.settings.leads.code_max_attempts
    if row is None or row.expires_at <= ctx.now:
        return "expired", 0
    if row.attempts >= limit:
        return "locked", 0
    row.attempts += 1
    salt = row.code_hash.split("$", 1)[0]
    if hmac.compare_digest(_hash(typed, salt), row.code_hash):
        row.consumed_at = ctx.now
        return "ok", limit - row.attempts
    if row.attempts >= limit:
        row.consumed_at = ctx.now
        return "locked", 0
    return "wrong", limit - row.attempts


# --- merging this chat into a known customer ------------------------------------------------------

def owner_of(ctx: Context, *, email: str | None = None, phone: str | None = None) -> Customer | None:
    """Another live customer holding this email or phone."""
    assert ctx.customer is not None
    column, value = (Customer.email, email) if email else (Customer.phone, phone)
    return ctx.session.scalar(select(Customer).where(column == value, Customer.id != ctx.customer.id,
                                                     Customer.stage != "merged").order_by(Customer.id).limit(1))


def link_to(ctx: Context, target: Customer) -> None:
    """Move this chat's identities, conversations, consents and dialogue to `target`.

    The old record stays (stage 'merged', tagged with the target) rather than being deleted, so
    nothing another module hung on it disappears; profile values the target lacks are copied.
    """
    source = ctx.customer
    assert source is not None and ctx.state is not None
    session = ctx.session
    for field in ("display_name", "birthday_month", "region", "lead_source", "referred_by_id", "phone"):
        if getattr(target, field) in (None, "") and getattr(source, field) not in (None, ""):
            setattr(target, field, getattr(source, field))
    if not target.interests and source.interests:
        target.interests = list(source.interests)
    session.execute(update(ChannelIdentity).where(ChannelIdentity.customer_id == source.id).values(customer_id=target.id))
    session.execute(update(Conversation).where(Conversation.customer_id == source.id).values(customer_id=target.id))
    taken = {(c.channel, c.purpose) for c in session.scalars(select(Consent).where(Consent.customer_id == target.id))}
    for consent in session.scalars(select(Consent).where(Consent.customer_id == source.id)).all():
        if (consent.channel, consent.purpose) in taken:
            session.delete(consent)
        else:
            consent.customer_id = target.id
    target_state = session.get(DialogueState, target.id)
    if target_state is None:
        target_state = DialogueState(customer_id=target.id, data={})
        session.add(target_state)
    target_state.flow, target_state.step = ctx.state.flow, ctx.state.step
    target_state.data = {**(target_state.data or {}), **ctx.state.data}
    ctx.state.flow, ctx.state.step, ctx.state.data = None, None, {}
    source.stage, source.email, source.phone = "merged", None, None
    source.tags = [*(source.tags or []), f"merged_into:{target.id}"]
    session.flush()
    if ctx.identity is not None:
        session.refresh(ctx.identity)
    ctx.customer, ctx.state = target, target_state


# --- verified phone numbers -----------------------------------------------------------------------

def take_contact(ctx: Context) -> str:
    """A shared contact: keep the phone only if it is the sender's own. Returns the reply key."""
    assert ctx.customer is not None
    phone = verified_phone(ctx)
    if phone is None:
        return "phone_not_yours"
    phone = phone if phone.startswith("+") else f"+{phone}"
    owner = owner_of(ctx, phone=phone)
    if owner is not None:
        link_to(ctx, owner)
        return "linked"
    ctx.customer.phone = phone
    return "phone_saved"


# --- referral codes ------------------------------------------------------------------------------

def referral_code_for(ctx: Context, customer_id: int) -> str:
    """The customer's referral code, made on first use (unique, unambiguous, 8 characters)."""
    existing = ctx.session.scalar(select(ReferralCode.code).where(ReferralCode.customer_id == customer_id))
    if existing:
        return existing
    for _ in range(10):
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
        try:
            with ctx.session.begin_nested():
                ctx.session.add(ReferralCode(code=code, customer_id=customer_id, created_at=ctx.now))
            return code
        except IntegrityError:
            existing = ctx.session.scalar(select(ReferralCode.code).where(ReferralCode.customer_id == customer_id))
            if existing:
                return existing
    raise RuntimeError("could not find a free referral code")  # pragma: no cover - 32^8 codes


def apply_referral(ctx: Context, code: str) -> str:
    """Record who referred this customer. Returns the reply key."""
    customer = ctx.customer
    assert customer is not None
    owner_id = ctx.session.scalar(select(ReferralCode.customer_id).where(ReferralCode.code == code.upper()))
    if owner_id is None:
        return "referral_unknown"
    if owner_id == customer.id:
        return "referral_own"
    if customer.referred_by_id is not None:
        return "referral_already"
    customer.referred_by_id = owner_id
    customer.lead_source = customer.lead_source or f"referral:{code.upper()}"
    return "referral_saved"
