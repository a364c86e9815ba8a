"""The admin's import page: upload, the import runs beside the request with its progress, the
report per row (in the reader's language) and the refused rows to download; roles and CSRF."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from werkzeug.serving import make_server

from models import Customer, ImportRun
from tests.dataio.test_imports import MEMBERS, csv_bytes


def finish(run_id: int) -> None:
    """Wait for the import's thread (no sleeping: join it)."""
    for thread in threading.enumerate():
        if thread.name == f"import-{run_id}":
            thread.join(timeout=60)


def test_upload_dry_run_then_import_with_report(console, runtime, db):
    for role in ("staff", "marketer"):
        assert console(role).get("/console/admin/imports").status_code == 403
    admin = console("admin")
    assert "name,email,phone" in admin.get("/console/admin/imports/template/customers.csv").text
    refused = admin.post("/console/admin/imports", {"kind": "customers"}, csrf=False,
                         files={"file": ("m.csv", csv_bytes(MEMBERS, "cp950"))})
    assert refused.status_code in (400, 403) and db.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert admin.post("/console/admin/imports", {"kind": "customers"}).status_code == 400  # no file
    dry = admin.post("/console/admin/imports", {"kind": "customers", "dry_run": "on"},
                     files={"file": ("members.csv", csv_bytes(MEMBERS, "cp950"))})
    run_id = int(dry.url.rsplit("/", 1)[1])
    finish(run_id)
    assert admin.get(f"/console/admin/imports/{run_id}.json").json()["status"] == "done"
    page = admin.get(f"/console/admin/imports/{run_id}").text
    assert "不是電子郵件地址" in page and "與第 2 行重複" in page and "新增 4" in page
    assert db.scalar(select(func.count()).select_from(Customer)) == 0
    real = admin.post("/console/admin/imports", {"kind": "customers"}, files={"file": ("members.csv", csv_bytes(MEMBERS, "cp950"))})
    run_id = int(real.url.rsplit("/", 1)[1])
    finish(run_id)
    assert db.scalar(select(func.count()).select_from(Customer)) == 4
    bad = admin.get(f"/console/admin/imports/{run_id}/bad-rows.csv")
    assert bad.status_code == 200 and bad.content.decode("utf-8-sig").count("\n") == 4
    binary = admin.post("/console/admin/imports", {"kind": "orders"}, files={"file": ("x.csv", b"\x00\x01binary")})
    run_id = int(binary.url.rsplit("/", 1)[1])
    finish(run_id)
    assert "NUL 位元組" in admin.get(f"/console/admin/imports/{run_id}").text  # translated for the reader
    assert db.scalar(select(ImportRun.status).where(ImportRun.id == run_id)) == "failed"


def test_progress_is_read_by_another_web_process(console, runtime, settings, db_url, monkeypatch):
    """Two app instances on one database (two gunicorn workers): the import runs in the first, its
    progress page is asked of the second while the import is paused halfway (an event, no sleep).
    On SQLite the import holds the only write lock, so only the finished run's numbers are compared."""
    from bot.app import create_app
    from bot.console import import_progress, import_views
    from bot.runtime import build_runtime
    from tests.console.conftest import ConsoleClient
    from tests.console.factories import add_customer

    with runtime.sessions.begin() as s:
        add_customer(s, "A", email="a@example.com")
    rows = [["external_id", "email", "placed_at", "amount"]] + [[f"T{n}", "a@example.com", "2025/1/5", "100"] for n in range(300)]
    monkeypatch.setattr(import_progress, "EVERY", 100)
    reached, release = threading.Event(), threading.Event()
    real = import_views.run_import
    shared = db_url.startswith("postgresql")

    def paused(*args, progress, **kwargs):
        def hook(done: int, total: int) -> None:
            progress(done, total)
            if done == 200 and shared:
                reached.set()
                assert release.wait(60)
        return real(*args, progress=hook, **kwargs)

    monkeypatch.setattr(import_views, "run_import", paused)
    other_runtime = build_runtime(settings)
    http = make_server("127.0.0.1", 0, create_app(runtime=other_runtime), threaded=True)
    threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        first, second = console("admin"), ConsoleClient(f"http://127.0.0.1:{http.server_port}").login("admin")
        started = first.post("/console/admin/imports", {"kind": "orders"}, files={"file": ("orders.csv", csv_bytes(rows, "utf-8"))})
        run_id = int(started.url.rsplit("/", 1)[1])
        if shared:
            assert reached.wait(60)
            try:
                there = second.get(f"/console/admin/imports/{run_id}.json").json()
            finally:
                release.set()
            assert there == {"status": "running", "done": 200, "total": 300}
        finish(run_id)
        assert second.get(f"/console/admin/imports/{run_id}.json").json() == {"status": "done", "done": 300, "total": 300}
    finally:
        http.shutdown()
        http.server_close()
        other_runtime.close()
