"""Customer look-ups: by id, or by email or phone, with profile, points, tier and coupons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint
from bot.api.errors import ApiError, invalid
from bot.api.serialize import customer_json
from bot.crm.members import find_by_member_code
from models import ChannelIdentity, Customer, utcnow

REF_FIELDS = {"id", "email", "phone", "member_code", "channel", "user_id"}


def customer_ref(raw: Any, path: str = "customer") -> tuple[str, Any]:
    """Check a customer reference: exactly one of id, email, phone, or channel + user_id."""
    if not isinstance(raw, Mapping):
        raise invalid(path, "must be an object with one of id, email, phone, member_code, or channel and user_id")
    check.unknown_fields(raw, REF_FIELDS, prefix=f"{path}.")
    given = [name for name in ("id", "email", "phone", "member_code") if raw.get(name) is not None]
    if raw.get("channel") is not None or raw.get("user_id") is not None:
        given.append("channel")
    if len(given) != 1:
        raise invalid(path, "give exactly one of id, email, phone, member_code, or channel and user_id")
    kind = given[0]
    if kind == "id":
        return "id", check.positive_int(raw, "id", path=f"{path}.id")
    if kind == "email":
        return "email", check.email(raw["email"], f"{path}.email")
    if kind == "phone":
        return "phone", check.phone(raw["phone"], f"{path}.phone")
    if kind == "member_code":
        return "member_code", check.text(raw, "member_code", required=True, max_length=32, path=f"{path}.member_code")
    channel = check.text(raw, "channel", required=True, max_length=20, path=f"{path}.channel")
    user_id = check.text(raw, "user_id", required=True, max_length=200, path=f"{path}.user_id")
    return "channel", (channel, user_id)


def resolve_customer(session: Session, ref: tuple[str, Any], path: str = "customer") -> Customer:
    kind, value = ref
    if kind == "id":
        found = [c for c in [session.get(Customer, value)] if c is not None]
    elif kind == "email":
        found = list(session.scalars(select(Customer).where(Customer.email.in_({value, value.lower()})).limit(5)))
    elif kind == "phone":
        found = list(session.scalars(select(Customer).where(Customer.phone.in_({value, check.normalize_phone(value)})).limit(5)))
    elif kind == "member_code":  # the code on the member card, as the till's scanner read it
        found = [c for c in [find_by_member_code(session, value)] if c is not None]
    else:
        found = list(session.scalars(select(Customer).join(ChannelIdentity).where(
            ChannelIdentity.channel == value[0], ChannelIdentity.platform_user_id == value[1])))
    field = f"{path}.{'channel' if kind == 'channel' else kind}"
    if not found:
        raise ApiError(404, "customer_not_found", "no customer matches this reference", field=field)
    if len(found) > 1:
        raise ApiError(409, "customer_ambiguous", "several customers match; use the customer id",
                       field=field, customer_ids=sorted(c.id for c in found))
    return found[0]


@api.get("/customers/<customer_id>")
@endpoint("read")
def get_customer(call: Call, customer_id: str) -> Result:
    """The id is taken as text and checked here, so `/customers/abc` or an id beyond INTEGER gets
    a JSON 422 naming it (werkzeug's int converter would 404 the one and overflow on the other)."""
    ref = ("id", check.record_id(customer_id, "customer_id"))
    customer = resolve_customer(call.session, ref, path="customer_id")
    return 200, customer_json(call.session, call.settings, customer, utcnow())


@api.get("/customers")
@endpoint("read")
def find_customer(call: Call) -> Result:
    """`?email=`, `?phone=` or `?member_code=` (exactly one)."""
    unknown = sorted(set(request.args) - {"email", "phone", "member_code"})
    if unknown:
        raise invalid(unknown[0], "unknown query parameter; use email, phone or member_code")
    if len(request.args) != 1:
        raise invalid("email", "give exactly one of the query parameters email, phone or member_code")
    name, value = next(iter(request.args.items()))
    if name == "member_code":
        ref = ("member_code", check.text({name: value}, name, required=True, max_length=32, path=name))
    else:
        ref = ("email", check.email(value, "email")) if name == "email" else ("phone", check.phone(value, "phone"))
    customer = resolve_customer(call.session, ref, path="query")
    return 200, customer_json(call.session, call.settings, customer, utcnow())
