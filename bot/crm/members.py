"""Member codes: the code on a customer's member card that the till scans to find them.

Why a code of its own and not the customer id: ids are sequential, so a guessed id would find
another customer at the till; the code is random (10 characters of an alphabet without look-alike
letters, about 50 bits), given the first time the card is shown, and unique in the database.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Customer

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_CHARS = 9
PREFIX = "M"
ATTEMPTS = 5


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))


def normalize(code: str) -> str:
    """What a scanner or a cashier typed, as stored: upper case, no spaces or dashes, O read as 0."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    return cleaned[:1] + cleaned[1:].replace("O", "0").replace("I", "1").replace("L", "1")


def member_code(session: Session, customer: Customer) -> str:
    """The customer's member code, given now if they have none (a collision, one in billions, just
    draws again inside a savepoint, so the caller's transaction is untouched)."""
    if customer.member_code:
        return customer.member_code
    for _ in range(ATTEMPTS):
        code = new_code()
        try:
            with session.begin_nested():
                session.execute(update(Customer).where(Customer.id == customer.id, Customer.member_code.is_(None))
                                .values(member_code=code))
        except IntegrityError:
            continue
        session.refresh(customer, ["member_code"])
        if customer.member_code:
            return customer.member_code
    raise RuntimeError("could not draw a free member code")


def find_by_member_code(session: Session, code: str) -> Customer | None:
    if not code or len(code) > 32:
        return None
    return session.scalar(select(Customer).where(Customer.member_code == normalize(code)))
