"""`import customers`: check every row, match it to an existing customer or create one, in bulk.

Matching: a row names a customer by email, phone, LINE id, Telegram id or member code. When these
lead to one existing customer, the row updates them (blank cells leave values as they are; tags and
interests are added to); when they lead to none, a customer is created; when they lead to two
different customers (an email that belongs to another customer than the member code), the row is
a conflict: reported, never merged, because only a person can tell which one is right.

Why everything is looked up before anything is written: 100,000 rows must take seconds, so the
existing keys are read once into dictionaries and the writes are a few bulk statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import loyalty
from bot.crm.bulk import insert_rows
from bot.crm.imports import values
from bot.crm.imports.columns import CUSTOMER_COLUMNS, cell_of, map_header
from bot.crm.imports.reading import Table
from bot.crm.imports.report import Progress, Report
from bot.crm.tags import TagError, clean_name
from models import ChannelIdentity, Consent, Customer, TagChange

KEYS = ("email", "phone", "line_user_id", "telegram_id", "member_code")
KEY_CHANNEL = {"line_user_id": "line", "telegram_id": "telegram"}
LANGUAGES = {"zh-tw": "zh-TW", "zh_tw": "zh-TW", "繁體中文": "zh-TW", "中文": "zh-TW", "en": "en", "english": "en",
             "英文": "en", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "简体中文": "zh-CN", "簡體中文": "zh-CN"}
SOURCE = "import"
CHUNK = 1000


@dataclass
class Row:
    line: int
    cells: list[str]
    keys: dict[str, str] = field(default_factory=dict)  # key column -> clean value
    fields: dict[str, Any] = field(default_factory=dict)  # profile columns -> clean value
    tags: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    points: int | None = None
    consent: tuple[bool, datetime, str] | None = None
    customer_id: int | None = None  # once matched or created


PARSERS: dict[str, Callable[[str], Any]] = {
    "email": values.parse_email,
    "phone": values.parse_phone,
    "line_user_id": values.parse_line_user,
    "telegram_id": values.parse_telegram,
    "member_code": lambda cell: values.parse_text(cell, 50),
    "name": lambda cell: values.parse_text(cell, 200),
    "region": lambda cell: values.parse_text(cell, 100),
    "age_group": lambda cell: values.parse_text(cell, 20),
    "birthday_month": values.parse_month,
}


def check_row(line: int, cells: list[str], index: dict[str, int], width: int, report: Report) -> Row | None:
    """One row, every cell checked; None (and the problems reported) when any is wrong."""
    row = Row(line, cells)
    before = len(report.problems)

    def cell(name: str) -> str:
        return cell_of(cells, index, name)

    def fail(column: str, error: values.CellError) -> None:
        report.fail(line, column, error.message, cells, **error.params)

    if len(cells) > width and any(c.strip() for c in cells[width:]):
        report.fail(line, "row", "has {count} cells but the header has {columns} columns", cells, count=len(cells), columns=width)
    for name, parse in PARSERS.items():
        text = values.clean(cell(name))
        if not text:
            continue
        try:
            value = parse(text)
        except values.CellError as error:
            fail(name, error)
            continue
        (row.keys if name in KEYS else row.fields)[name] = value
    if values.clean(cell("birthday")):
        try:
            row.fields.setdefault("birthday_month", values.parse_date(cell("birthday")).month)
        except values.CellError as error:
            fail("birthday", error)
    language = values.clean(cell("language")).lower()
    if language:
        if language in LANGUAGES:
            row.fields["language"] = LANGUAGES[language]
        else:
            report.fail(line, "language", "not a language: write zh-TW, en or zh-CN", cells)
    for name, target in (("tags", row.tags), ("interests", row.interests)):
        for item in values.parse_list(cell(name)):
            try:
                target.append(clean_name(item) if name == "tags" else item)
            except TagError as exc:
                report.fail(line, name, str(exc), cells)
    if values.clean(cell("points")):
        try:
            row.points = values.parse_int(cell("points"), 0, 10_000_000)
        except values.CellError as error:
            fail("points", error)
    _check_consent(row, cell, report)
    if not row.keys and len(report.problems) == before:
        report.fail(line, "row", "no way to recognise this customer: give an email, phone, LINE user id, Telegram id or "
                    "member code", cells)
    return row if len(report.problems) == before else None


def _check_consent(row: Row, cell: Callable[[str], str], report: Report) -> None:
    """Consent only with its date and source: permission marketing never invents a consent."""
    given = values.clean(cell("marketing_consent"))
    if not given:
        return
    try:
        granted = values.parse_yes_no(given)
    except values.CellError as error:
        report.fail(row.line, "marketing_consent", error.message, row.cells, **error.params)
        return
    when, source = values.clean(cell("consent_date")), values.clean(cell("consent_source"))
    if not when or not source:
        report.fail(row.line, "consent_date" if not when else "consent_source",
                    "consent is imported only with its date and its source (consent_date, consent_source)", row.cells)
        return
    try:
        moment = datetime.combine(values.parse_date(when), time(12), tzinfo=UTC)
    except values.CellError as error:
        report.fail(row.line, "consent_date", error.message, row.cells, **error.params)
        return
    row.consent = (granted, moment, (source if source.startswith(f"{SOURCE}:") else f"{SOURCE}:{source}")[:100])


@dataclass
class Existing:
    """The keys of the customers already in the database, read once."""

    by_key: dict[str, dict[str, int]]  # key column -> value -> customer id

    @classmethod
    def load(cls, session: Session) -> Existing:
        by_key: dict[str, dict[str, int]] = {key: {} for key in KEYS}
        for cid, email, phone, code in session.execute(select(Customer.id, Customer.email, Customer.phone, Customer.member_code)):
            if email:
                by_key["email"].setdefault(email.strip().lower(), cid)
            normal = values.normalize_phone(phone)
            if normal:
                by_key["phone"].setdefault(normal, cid)
            if code:
                by_key["member_code"][code] = cid
        for channel, uid, cid in session.execute(select(ChannelIdentity.channel, ChannelIdentity.platform_user_id,
                                                        ChannelIdentity.customer_id).where(
                                                            ChannelIdentity.channel.in_(KEY_CHANNEL.values()))):
            key = "line_user_id" if channel == "line" else "telegram_id"
            by_key[key][uid] = cid
        return cls(by_key)

    def matches(self, row: Row) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for key, value in row.keys.items():
            cid = self.by_key[key].get(value)
            if cid is not None:
                found.setdefault(cid, []).append(key)
        return found


def report_conflict(report: Report, line: int, cells: list[str], found: dict[int, list[str]]) -> None:
    """A row whose keys lead to two customers: reported, never merged (only a person can tell which is right)."""
    ids = sorted(found)
    report.fail(line, found[ids[1]][0], "belongs to customer #{other}, but the {key} matches customer #{customer}; "
                "not merged: fix one of them", cells, other=ids[1], key=found[ids[0]][0], customer=ids[0])


def import_customers(session: Session, settings: Settings, table: Table, *, dry_run: bool, now: datetime,
                     progress: Progress | None = None) -> Report:
    report = Report("customers", dry_run, encoding=table.encoding, rows=len(table.rows), header=table.header)
    mapping = map_header(table.header, CUSTOMER_COLUMNS)
    for name in mapping.unknown:
        report.note("column not imported: {name}", name=name)
    for name in mapping.repeated:
        report.note("column named twice (the first is used): {name}", name=name)
    if not set(KEYS) & set(mapping.index):
        report.fail(0, "header", "the header has none of the columns that recognise a customer: email, phone, line_user_id, "
                    "telegram_id, member_code")
        return report
    total = len(table.rows)
    rows = _checked(table, mapping.index, report, progress, total)
    existing = Existing.load(session)
    creates: list[Row] = []
    updates: dict[int, Row] = {}
    for row in rows:
        found = existing.matches(row)
        if len(found) > 1:
            report_conflict(report, row.line, row.cells, found)
        elif found:
            cid = next(iter(found))
            if cid in updates:
                report.fail(row.line, found[cid][0], "duplicate of line {other}", row.cells, other=updates[cid].line)
            else:
                row.customer_id = cid
                updates[cid] = row
        else:
            creates.append(row)
    changed = _apply_updates(session, updates, report, dry_run, now)
    report.unchanged = len(updates) - changed
    report.updated = changed
    report.created = len(creates)
    if not dry_run:
        _create(session, creates, now)
        _consents_and_points(session, settings, [*creates, *updates.values()], now, report)
    if progress:
        progress(total, total)
    return report


def _checked(table: Table, index: dict[str, int], report: Report, progress: Progress | None, total: int) -> list[Row]:
    """The good rows; a row repeating an earlier row's email, phone, id or code is refused as its duplicate."""
    good: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    width = len(table.header)
    for done, (line, cells) in enumerate(table.rows, 1):
        row = check_row(line, cells, index, width, report)
        if row is not None:
            twin = next(((key, seen[(key, value)]) for key, value in row.keys.items() if (key, value) in seen), None)
            if twin is not None:
                report.fail(line, twin[0], "duplicate of line {other}", cells, other=twin[1])
            else:
                seen.update({(key, value): line for key, value in row.keys.items()})
                good.append(row)
        if progress and done % CHUNK == 0:
            progress(done // 2, total)  # checking is the first half of the work
    return good


def _merged(customer: dict[str, Any], row: Row) -> dict[str, Any]:
    """The customer's columns after the row: given cells replace, tags and interests add."""
    fields = {"display_name" if k == "name" else k: v for k, v in row.fields.items()}
    for key in ("email", "phone", "member_code"):
        if key in row.keys and not customer.get(key):
            fields[key] = row.keys[key]
    merged = {**customer, **fields}
    merged["tags"] = sorted(set(customer.get("tags") or []) | set(row.tags))
    merged["interests"] = sorted(set(customer.get("interests") or []) | set(row.interests))
    return merged


UPDATABLE = ("display_name", "email", "phone", "member_code", "birthday_month", "region", "age_group", "language", "tags",
             "interests")


def _apply_updates(session: Session, updates: dict[int, Row], report: Report, dry_run: bool, now: datetime) -> int:
    changed = 0
    ids = list(updates)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        current = {r.id: {k: getattr(r, k) for k in UPDATABLE} for r in session.scalars(select(Customer).where(Customer.id.in_(chunk)))}
        identities = set(session.execute(select(ChannelIdentity.customer_id, ChannelIdentity.channel)
                                         .where(ChannelIdentity.customer_id.in_(chunk))).all())
        writes, new_tags, new_identities = [], [], []
        for cid in chunk:
            row, before = updates[cid], current[cid]
            after = _merged(before, row)
            missing = [(k, v) for k, v in row.keys.items() if k in KEY_CHANNEL and (cid, KEY_CHANNEL[k]) not in identities]
            if after == before and not missing:
                continue
            changed += 1
            writes.append({"id": cid, **{k: after[k] for k in UPDATABLE}, "updated_at": now})
            new_tags += [_tag_change(cid, tag, now) for tag in sorted(set(after["tags"]) - set(before["tags"] or []))]
            new_identities += [_identity(cid, KEY_CHANNEL[k], v, now) for k, v in missing]
        if not dry_run and writes:
            session.execute(update(Customer), writes)
            insert_rows(session, TagChange, new_tags)
            insert_rows(session, ChannelIdentity, new_identities)
    return changed


def _tag_change(cid: int, tag: str, now: datetime) -> dict[str, Any]:
    return {"customer_id": cid, "tag": tag, "action": "added", "source": SOURCE, "at": now}


def _identity(cid: int, channel: str, uid: str, now: datetime) -> dict[str, Any]:
    return {"customer_id": cid, "channel": channel, "platform_user_id": uid, "reachable": True, "soft_failures": 0,
            "created_at": now, "last_seen_at": now}


def _create(session: Session, rows: list[Row], now: datetime) -> None:
    records = [{**{k: None for k in UPDATABLE}, **_merged({"tags": [], "interests": []}, row), "stage": "lead",
                "lead_source": SOURCE, "tier": 5, "created_at": now, "updated_at": now} for row in rows]
    for record in records:
        record.setdefault("language", "zh-TW")
        record["language"] = record["language"] or "zh-TW"
    for row, cid in zip(rows, insert_rows(session, Customer, records, ids=True), strict=True):
        row.customer_id = cid
    insert_rows(session, ChannelIdentity, [_identity(_id(r), KEY_CHANNEL[k], v, now)
                                           for r in rows for k, v in r.keys.items() if k in KEY_CHANNEL])
    insert_rows(session, TagChange, [_tag_change(_id(r), tag, now) for r in rows for tag in r.tags])


def _id(row: Row) -> int:
    assert row.customer_id is not None, "matched or created before its dependants are written"
    return row.customer_id


def _consents_and_points(session: Session, settings: Settings, rows: Iterable[Row], now: datetime, report: Report) -> None:
    consents: dict[tuple[int, str], tuple[bool, datetime, str]] = {}
    balances: dict[int, int] = {}
    for row in rows:
        cid = _id(row)
        channels = [KEY_CHANNEL[k] for k in row.keys if k in KEY_CHANNEL] + (["email"] if "email" in row.keys else [])
        if row.consent is not None:
            consents.update({(cid, channel): row.consent for channel in channels})
        if row.points:
            balances[cid] = row.points
    _write_consents(session, consents)
    written, already = loyalty.open_balances(session, balances, note="opening balance (import)", now=now,
                                             valid_days=settings.loyalty.points_valid_days)
    if already:
        report.note("{count} customers already had an opening points balance; it was not changed", count=len(already))


def _write_consents(session: Session, consents: dict[tuple[int, str], tuple[bool, datetime, str]]) -> None:
    keys = list(consents)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        ids = sorted({cid for cid, _ in chunk})
        present = {(c.customer_id, c.channel): c for c in session.scalars(select(Consent).where(
            Consent.customer_id.in_(ids), Consent.purpose == "marketing"))}
        new = []
        for key in chunk:
            granted, when, source = consents[key]
            old = present.get(key)
            if old is None:
                new.append({"customer_id": key[0], "channel": key[1], "purpose": "marketing", "granted": granted,
                            "source": source, "updated_at": when})
            elif (old.granted, old.source) != (granted, source) and when >= old.updated_at:
                old.granted, old.source, old.updated_at = granted, source, when  # the newer word counts
        insert_rows(session, Consent, new)
    session.flush()


def birthday_cell(month: int | None) -> str:
    return str(month) if month else ""


def date_cell(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""
