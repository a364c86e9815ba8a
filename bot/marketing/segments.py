"""Segments: a form's criteria, checked and stored as JSON, turned into one SQL query on customers.

Why criteria as data and not SQL: a saved segment is re-resolved every time a broadcast is
planned (customers move between segments), it can be shown back in the form, and a broadcast keeps
a copy of the criteria it was sent with.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, Select, Text, and_, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from bot.forms import FormErrors, int_field
from channels import registry
from models import ChannelIdentity, Consent, Customer, CustomerValue, Order, OrderLine, Product, utcnow

KNOWN_STAGES = ("stranger", "visitor", "lead", "customer", "repeat", "advocate")
TIERS = (1, 2, 3, 4, 5)
CHANNELS = registry.names()
RFM_FIELDS = {"r": Customer.rfm_recency, "f": Customer.rfm_frequency, "m": Customer.rfm_monetary}
LIST_FIELDS = ("tags", "regions", "interests", "age_groups", "categories")
SAMPLE_SIZE = 10


def parse_criteria(form: Any) -> tuple[dict[str, Any], FormErrors]:
    """Criteria from a submitted form (or query string); errors name the field and the reason."""
    errors = FormErrors()
    criteria: dict[str, Any] = {}
    stages = [s for s in form.getlist("stages") if s.strip()]
    if stages:
        criteria["stages"] = sorted({s.strip()[:20] for s in stages})
    tiers = form.getlist("tiers")
    if tiers:
        bad = [t for t in tiers if t not in {str(n) for n in TIERS}]
        if bad:
            errors.add("tiers", f"{bad[0]!r} is not a tier (1-5)")
        else:
            criteria["tiers"] = sorted({int(t) for t in tiers})
    for letter in RFM_FIELDS:
        low = int_field(errors, f"{letter}_min", form.get(f"{letter}_min"), low=1, high=5)
        high = int_field(errors, f"{letter}_max", form.get(f"{letter}_max"), low=1, high=5)
        if low is not None and high is not None and low > high:
            errors.add(f"{letter}_max", "must not be below the minimum")
        for key, value in ((f"{letter}_min", low), (f"{letter}_max", high)):
            if value is not None:
                criteria[key] = value
    for key in ("bought_within_days", "not_bought_days"):
        value = int_field(errors, key, form.get(key), low=1, high=3650)
        if value is not None:
            criteria[key] = value
    low = int_field(errors, "purchases_min", form.get("purchases_min"), low=0, high=100000)
    high = int_field(errors, "purchases_max", form.get("purchases_max"), low=0, high=100000)
    if low is not None and high is not None and low > high:
        errors.add("purchases_max", "must not be below the minimum")
    if low:
        criteria["purchases_min"] = low
    if high is not None:
        criteria["purchases_max"] = high
    for key in LIST_FIELDS:
        values = sorted({v.strip()[:100] for v in (form.get(key) or "").replace("，", ",").split(",") if v.strip()})
        if values:
            criteria[key] = values
    _parse_value_criteria(form, errors, criteria)
    channel = form.get("channel") or ""
    if channel and channel not in CHANNELS:
        errors.add("channel", f"{channel!r} is not a channel")
    elif channel:
        criteria["channel"] = channel
    consent = form.get("consent") or ""
    if consent and consent not in ("marketing", "none"):
        errors.add("consent", f"{consent!r} is not a consent choice")
    elif consent:
        criteria["consent"] = consent
    return criteria, errors


def segment_query(session: Session, criteria: dict[str, Any], now: datetime | None = None) -> Select[Any]:
    """`SELECT customers.id ...` for the criteria (every criterion must hold)."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    conditions: list[Any] = []
    if criteria.get("stages"):
        conditions.append(Customer.stage.in_(criteria["stages"]))
    if criteria.get("tiers"):
        conditions.append(Customer.tier.in_(criteria["tiers"]))
    for letter, column in RFM_FIELDS.items():
        if f"{letter}_min" in criteria:
            conditions.append(column >= criteria[f"{letter}_min"])
        if f"{letter}_max" in criteria:
            conditions.append(column <= criteria[f"{letter}_max"])
    if criteria.get("regions"):
        conditions.append(Customer.region.in_(criteria["regions"]))
    if criteria.get("age_groups"):
        conditions.append(Customer.age_group.in_(criteria["age_groups"]))
    for key, list_column in (("tags", Customer.tags), ("interests", Customer.interests)):
        if criteria.get(key):
            conditions.append(_json_list_has_any(list_column, criteria[key], dialect))
    if criteria.get("categories"):  # bought at least one product of one of these catalogue categories
        conditions.append(exists().where(OrderLine.customer_id == Customer.id, OrderLine.sku == Product.sku,
                                         Product.category.in_(criteria["categories"])))
    conditions += _value_conditions(criteria)
    channel = criteria.get("channel")
    if channel:
        conditions.append(exists().where(ChannelIdentity.customer_id == Customer.id, ChannelIdentity.channel == channel,
                                         ChannelIdentity.reachable))
    if criteria.get("consent"):
        granted = [Consent.customer_id == Customer.id, Consent.purpose == "marketing", Consent.granted]
        if channel:
            granted.append(Consent.channel == channel)
        has = exists().where(*granted)
        conditions.append(has if criteria["consent"] == "marketing" else not_(has))
    query = select(Customer.id)
    purchase_keys = ("bought_within_days", "not_bought_days", "purchases_min", "purchases_max")
    if any(key in criteria for key in purchase_keys):
        stats = (select(Order.customer_id, func.count().label("n"), func.max(Order.placed_at).label("last"))
                 .group_by(Order.customer_id).subquery())
        query = query.outerjoin(stats, stats.c.customer_id == Customer.id)
        count = func.coalesce(stats.c.n, 0)
        if "purchases_min" in criteria:
            conditions.append(count >= criteria["purchases_min"])
        if "purchases_max" in criteria:
            conditions.append(count <= criteria["purchases_max"])
        if "bought_within_days" in criteria:
            conditions.append(stats.c.last >= now - timedelta(days=criteria["bought_within_days"]))
        if "not_bought_days" in criteria:
            conditions.append(or_(stats.c.last.is_(None), stats.c.last < now - timedelta(days=criteria["not_bought_days"])))
    return query.where(and_(*conditions)) if conditions else query


def _json_list_has_any(column: Any, values: list[str], dialect: str) -> Any:
    if dialect == "postgresql":
        return column.op("?|")(literal(values, ARRAY(Text)))
    element = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(element).where(element.c.value.in_(values)))


def count_and_sample(session: Session, criteria: dict[str, Any]) -> tuple[int, list[Customer]]:
    ids = segment_query(session, criteria).subquery()
    count = session.scalar(select(func.count()).select_from(ids)) or 0
    sample = list(session.scalars(select(Customer).where(Customer.id.in_(select(ids.c.id))).order_by(Customer.id.desc()).limit(SAMPLE_SIZE)))
    return int(count), sample


def member_ids(session: Session, criteria: dict[str, Any]) -> list[int]:
    """The ids of the customers in a segment now (tagging a segment, linking its rich menu)."""
    return [int(i) for i in session.scalars(segment_query(session, criteria))]
def _parse_value_criteria(form: Any, errors: FormErrors, criteria: dict[str, Any]) -> None:
    """Churn risk above a percentage (the nightly model's), and value clusters by number."""
    risk = int_field(errors, "churn_risk_min", form.get("churn_risk_min"), low=1, high=99)
    if risk is not None:
        criteria["churn_risk_min"] = risk
    clusters = [c.strip() for c in (form.get("clusters") or "").replace("，", ",").split(",") if c.strip()]
    if clusters and not all(c.isdigit() for c in clusters):
        errors.add("clusters", "cluster numbers, comma-separated")
    elif clusters:
        criteria["clusters"] = sorted({int(c) for c in clusters})


def _value_conditions(criteria: dict[str, Any]) -> list[Any]:
    conditions: list[Any] = []
    if "churn_risk_min" in criteria:
        conditions.append(exists().where(CustomerValue.customer_id == Customer.id,
                                         CustomerValue.churn_risk >= criteria["churn_risk_min"] / 100))
    if criteria.get("clusters"):
        conditions.append(exists().where(CustomerValue.customer_id == Customer.id, CustomerValue.cluster.in_(criteria["clusters"])))
    return conditions


def stage_choices(session: Session) -> list[str]:
    """The known lifecycle stages, plus any other value found in the data."""
    found = session.scalars(select(Customer.stage).distinct()).all()
    return list(KNOWN_STAGES) + sorted(set(found) - set(KNOWN_STAGES))


def describe(criteria: dict[str, Any]) -> list[tuple[str, str]]:
    """(criterion, value) pairs for showing a segment's definition."""
    return [(key, ", ".join(map(str, value)) if isinstance(value, list) else str(value)) for key, value in sorted(criteria.items())]
