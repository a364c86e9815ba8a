"""Exports from the console: a saved segment (marketers, admins) or a search result, audited (who,
when, which segment, how many rows); the audit for admins only."""

from __future__ import annotations

from sqlalchemy import select

from bot.crm.imports.run import run_import
from models import ExportRecord, Segment
from tests.dataio.test_imports import MEMBERS, NOW, csv_bytes


def test_console_exports_are_audited_and_role_checked(console, runtime, db):
    with runtime.sessions.begin() as s:
        run_import(s, runtime.settings, "customers", csv_bytes(MEMBERS[:2] + MEMBERS[3:4], "cp950"), dry_run=False, now=NOW)
        segment = Segment(name="台北", criteria={"regions": ["台北市"]})
        s.add(segment)
        s.flush()
        segment_id = segment.id
    assert console("staff").get(f"/console/segments/{segment_id}/export.csv").status_code == 403
    marketer = console("marketer")
    response = marketer.get(f"/console/segments/{segment_id}/export.csv")
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and body.count("\n") == 2 and "王小明" in body and "陳美玲" not in body
    search = console("staff").get("/console/customers/export.csv", params={"q": "mei@"})
    assert "陳美玲" in search.content.decode("utf-8-sig") and "王小明" not in search.content.decode("utf-8-sig")
    records = db.all(select(ExportRecord).order_by(ExportRecord.id))
    assert [(r.user_email, r.what, r.rows, r.segment_id) for r in records] == [
        ("marketer@shop.test", "台北", 1, segment_id), ("staff@shop.test", "search: mei@", 1, None)]
    assert console("marketer").get("/console/admin/exports").status_code == 403
    assert "marketer@shop.test" in console("admin").get("/console/admin/exports").text
