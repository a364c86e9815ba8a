"""Tagging customers: the one place a tag is added, removed, renamed or coloured.

Every change is kept (`TagChange`: who or what, when), adding a tag fires the `tag_added`
signal automations start from, and `Customer.tags` stays the current set segments filter on.
Names are cleaned the same way wherever they come from (a button, a journey, the console, an
import), so "VIP " and "ＶＩＰ" are one tag.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.crm.hooks import CustomerSignal, fire_signal
from models import Customer, Tag, TagChange

MAX_NAME = 50
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class TagError(ValueError):
    """A tag name or colour that cannot be used; the message says why."""


def clean_name(name: str) -> str:
    """NFKC (full-width letters become plain), inner spaces collapsed, no control characters."""
    text = unicodedata.normalize("NFKC", name)
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise TagError("a tag name cannot contain control characters")
    text = " ".join(text.split())
    if not text:
        raise TagError("a tag name cannot be empty")
    if len(text) > MAX_NAME:
        raise TagError(f"a tag name has at most {MAX_NAME} characters")
    return text


def _ensure_tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
    return tag


def add_tag(session: Session, customer: Customer, name: str, *, source: str, now: datetime) -> bool:
    """Tag the customer; False when they already had it (nothing is written, no signal fires)."""
    tag = clean_name(name)
    if tag in (customer.tags or []):
        return False
    _ensure_tag(session, tag)
    customer.tags = [*(customer.tags or []), tag]
    session.add(TagChange(customer_id=customer.id, tag=tag, action="added", source=source[:100], at=now))
    session.flush()
    fire_signal(CustomerSignal(session, customer, "tag_added", {"tag": tag}, now))
    return True


def remove_tag(session: Session, customer: Customer, name: str, *, source: str, now: datetime) -> bool:
    """Untag the customer; False when they did not have it."""
    tag = clean_name(name)
    if tag not in (customer.tags or []):
        return False
    customer.tags = [existing for existing in customer.tags if existing != tag]
    session.add(TagChange(customer_id=customer.id, tag=tag, action="removed", source=source[:100], at=now))
    session.flush()
    return True


def tag_customers(session: Session, customer_ids: list[int], name: str, *, source: str, now: datetime) -> int:
    """Tag many customers (a segment, a selection); returns how many gained the tag."""
    added = 0
    for customer in session.scalars(select(Customer).where(Customer.id.in_(customer_ids))):
        added += add_tag(session, customer, name, source=source, now=now)
    return added


def rename_tag(session: Session, old: str, new: str, *, source: str, now: datetime) -> int:
    """Rename a tag everywhere; refused when the new name is taken. Returns the customers changed."""
    old_name, new_name = clean_name(old), clean_name(new)
    tag = session.scalar(select(Tag).where(Tag.name == old_name))
    if tag is None:
        raise TagError(f"no tag named {old_name!r}")
    if new_name == old_name:
        return 0
    if session.scalar(select(Tag.id).where(Tag.name == new_name)) is not None:
        raise TagError(f"a tag named {new_name!r} exists already")
    tag.name = new_name
    changed = 0
    for customer in session.scalars(select(Customer).where(Customer.tags.is_not(None))):
        if old_name in (customer.tags or []):
            customer.tags = [new_name if existing == old_name else existing for existing in customer.tags]
            session.add(TagChange(customer_id=customer.id, tag=new_name, action="renamed",
                                  source=f"{source} (was {old_name})"[:100], at=now))
            changed += 1
    session.flush()
    return changed


def set_colour(session: Session, name: str, colour: str | None) -> Tag:
    """A colour as `#rrggbb`, or None for the default."""
    if colour and not _COLOUR.fullmatch(colour):
        raise TagError("a colour is written #rrggbb")
    tag = _ensure_tag(session, clean_name(name))
    tag.colour = colour.lower() if colour else None
    return tag


@dataclass(frozen=True)
class TagUse:
    name: str
    colour: str | None
    customers: int


_CARRIED_SQL = {
    # one row per (customer, tag) pair, counted by the database: the page never reads every customer
    "postgresql": """SELECT t.v, count(*) FROM customers c
                     CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.tags) = 'array'
                                                                       THEN c.tags ELSE '[]'::jsonb END) AS t(v)
                     GROUP BY t.v""",
    "sqlite": """SELECT t.value, count(*) FROM customers c, json_each(CASE WHEN json_type(c.tags) = 'array'
                                                                        THEN c.tags ELSE '[]' END) AS t
                 GROUP BY t.value""",
}


def carried_counts(session: Session) -> dict[str, int]:
    """How many customers carry each tag now, counted in SQL (a tag list is a JSON array)."""
    statement = text(_CARRIED_SQL["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"])
    counted: list[tuple[str, int]] = [(str(row[0]), int(row[1])) for row in session.execute(statement).all()]
    return dict(counted)


def list_tags(session: Session) -> list[TagUse]:
    """Every known tag with how many customers carry it now."""
    tags = session.scalars(select(Tag).order_by(Tag.name)).all()
    carried = carried_counts(session)
    return [TagUse(tag.name, tag.colour, carried.get(tag.name, 0)) for tag in tags]


def history(session: Session, customer_id: int, limit: int = 50) -> list[TagChange]:
    """The customer's tag changes, newest first."""
    return list(session.scalars(select(TagChange).where(TagChange.customer_id == customer_id)
                                .order_by(TagChange.at.desc(), TagChange.id.desc()).limit(limit)))
