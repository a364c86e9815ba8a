"""Customers out to CSV with the import's own columns, so export -> import is lossless, and every
export written down (who, when, which segment or search, how many rows).

Why cells are neutralised: an exported file is opened in Excel, where a cell starting with =, +,
-, @, a tab or a carriage return runs as a formula (CSV injection, OWASP). Such a cell gets a
leading apostrophe, which Excel hides and the import strips, so the round trip still holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crm import loyalty
from bot.crm.imports.columns import CUSTOMER_COLUMNS, template_header
from models import ChannelIdentity, Consent, Customer, ExportRecord, utcnow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


def csv_safe(cell: Any) -> Any:
    """A cell as it may go into a CSV a spreadsheet opens: a would-be formula gets a leading quote."""
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell
    return "" if cell is None else cell


def customer_rows(session: Session, customer_ids: Sequence[int]) -> Iterator[list[str]]:
    """One row per customer in the import's column order (see `CUSTOMER_COLUMNS`)."""
    for start in range(0, len(customer_ids), CHUNK):
        chunk = list(customer_ids[start:start + CHUNK])
        customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(chunk)))}
        identities: dict[tuple[int, str], str] = {}
        for cid, channel, uid in session.execute(select(ChannelIdentity.customer_id, ChannelIdentity.channel,
                                                        ChannelIdentity.platform_user_id)
                                                 .where(ChannelIdentity.customer_id.in_(chunk)).order_by(ChannelIdentity.id)):
            identities.setdefault((cid, channel), uid)
        consents: dict[int, Consent] = {}
        for consent in session.scalars(select(Consent).where(Consent.customer_id.in_(chunk), Consent.purpose == "marketing")
                                       .order_by(Consent.updated_at)):
            consents[consent.customer_id] = consent  # the latest word counts
        balances = loyalty.balances(session, chunk)
        for cid in chunk:
            customer = customers.get(cid)
            if customer is not None:
                yield _row(customer, identities, consents.get(cid), balances.get(cid, 0))


def _row(customer: Customer, identities: dict[tuple[int, str], str], consent: Consent | None, points: int) -> list[str]:
    source = (consent.source.removeprefix("import:") if consent else "")
    values = {
        "name": customer.display_name or "", "email": customer.email or "", "phone": customer.phone or "",
        "line_user_id": identities.get((customer.id, "line"), ""), "telegram_id": identities.get((customer.id, "telegram"), ""),
        "birthday": "", "birthday_month": str(customer.birthday_month or ""), "region": customer.region or "",
        "age_group": customer.age_group or "", "language": customer.language or "",
        "interests": ", ".join(customer.interests or []), "tags": ", ".join(customer.tags or []),
        "member_code": customer.member_code or "", "points": str(points) if points else "",
        "marketing_consent": ("yes" if consent.granted else "no") if consent else "",
        "consent_date": f"{consent.updated_at:%Y-%m-%d}" if consent else "", "consent_source": source,
    }
    return [values[name] for name in template_header(CUSTOMER_COLUMNS)]


def customers_csv(session: Session, customer_ids: Sequence[int]) -> str:
    """The whole export as text (UTF-8 with a BOM is added by whoever writes it to a file)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template_header(CUSTOMER_COLUMNS))
    for row in customer_rows(session, customer_ids):
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def record_export(session: Session, *, user_email: str, what: str, rows: int, segment_id: int | None = None,
                  target: str = "csv") -> ExportRecord:
    record = ExportRecord(user_email=user_email[:320], segment_id=segment_id, what=what[:300], target=target, rows=rows,
                          created_at=utcnow())
    session.add(record)
    session.flush()
    return record
