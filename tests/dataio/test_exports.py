"""Export -> import is lossless (the same columns, the same values back, on both databases), and
cells a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io

from sqlalchemy import delete, select

from bot.crm.exports import csv_safe, customers_csv
from bot.crm.imports.run import run_import
from models import Customer, PointsEntry
from tests.dataio.test_imports import MEMBERS, NOW, csv_bytes


def export_all(runtime) -> str:
    with runtime.sessions() as s:
        return customers_csv(s, list(s.scalars(select(Customer.id).order_by(Customer.id))))


def test_round_trip_is_lossless(runtime):
    rows = [*MEMBERS[:2], ["=HYPERLINK(\"http://evil\")", "x@example.com", "", "", "M-EVIL", "", "", "", "", "", "-1+1", "@SUM"]]
    with runtime.sessions.begin() as s:
        run_import(s, runtime.settings, "customers", csv_bytes(rows, "cp950"), dry_run=False, now=NOW)
    first = export_all(runtime)
    parsed = list(csv.reader(io.StringIO(first)))
    evil = next(r for r in parsed if r[12] == "M-EVIL")
    assert evil[0] == "'=HYPERLINK(\"http://evil\")" and evil[11] == "'-1+1" and evil[7] == "'@SUM"
    ming = next(r for r in parsed if r[12] == "M0001")
    assert ming[13] == "1200" and ming[14:] == ["yes", "2024-01-05", "門市"]
    with runtime.sessions.begin() as s:  # a fresh start: the export is all there is
        s.execute(delete(PointsEntry))
        s.execute(delete(Customer))
    with runtime.sessions.begin() as s:
        report = run_import(s, runtime.settings, "customers", ("\ufeff" + first).encode("utf-8"), dry_run=False, now=NOW)
    assert report.created == 2 and not report.problems
    assert export_all(runtime) == first
    with runtime.sessions() as s:
        assert s.scalar(select(Customer.display_name).where(Customer.member_code == "M-EVIL")) == "=HYPERLINK(\"http://evil\")"


def test_formula_cells_get_a_quote():
    assert [csv_safe(v) for v in ("=1+1", "+886", "-5", "@x", "\tx", "\rx", "ok", None, 3)] == [
        "'=1+1", "'+886", "'-5", "'@x", "'\tx", "'\rx", "ok", "", 3]
