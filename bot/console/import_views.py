"""The admin's import page: upload a customers or orders CSV, watch its progress, read the report
per row, download the refused rows to fix and upload again.

Why a thread: 100,000 rows take tens of seconds, longer than a page should hang; the import runs
beside the request and the page asks for its progress once a second. The progress is kept in the
`import_runs` row (`import_progress`, so any web worker answers), and the report when it is done.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.import_progress import ProgressWriter
from bot.console.views import reading, runtime, writing
from bot.crm.imports.run import KINDS, ReadError, run_import, template_csv
from models import ImportRun, utcnow

imports = Blueprint("imports", __name__)
MAX_UPLOAD = 50 * 1024 * 1024
PROBLEMS_KEPT = 1000
UNEXPECTED = "the import stopped with an unexpected error; see the service log"  # a msgid: the page translates it


@imports.get("/admin/imports")
@security.allow("admin")
def page(error: str | None = None, status: int = 200) -> Any:
    with reading() as db:
        runs = list(db.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(20)))
    return render_template("console/admin_imports.html", runs=runs, kinds=KINDS, error=error), status


@imports.get("/admin/imports/template/<kind>.csv")
@security.allow("admin")
def template(kind: str) -> Response:
    if kind not in KINDS:
        abort(404)
    return Response(template_csv(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={kind}-template.csv"})


@imports.post("/admin/imports")
@security.allow("admin")
def start() -> Any:
    request.max_content_length = MAX_UPLOAD  # a member list is larger than a webhook body
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KINDS:
        return page(_("Choose customers, orders or products."), 400)
    if upload is None or not upload.filename:
        return page(_("Choose a CSV file to upload."), 400)
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return page(_("The file is larger than 50 MB: import it with the command line."), 413)
    dry_run = request.form.get("dry_run") == "on"
    with writing() as db:
        run = ImportRun(kind=kind, dry_run=dry_run, filename=upload.filename[:200], created_by_id=g.user.id, created_at=utcnow())
        db.add(run)
        db.flush()
        run_id = run.id
    app = runtime()
    threading.Thread(target=_work, args=(app, run_id, kind, data, dry_run), daemon=True, name=f"import-{run_id}").start()
    return redirect(url_for("imports.show", run_id=run_id))


def _work(app: Any, run_id: int, kind: str, data: bytes, dry_run: bool) -> None:
    progress = ProgressWriter(app.sessions, run_id)
    status, fields = "done", {}
    try:
        with app.sessions.begin() as session:
            report = run_import(session, app.settings, kind, data, dry_run=dry_run, now=utcnow(), progress=progress)
        fields = {"summary": report.summary(), "bad_rows_csv": report.bad_rows_csv() if report.bad_rows else None,
                  "report": {"problems": [{"line": p.line, "column": p.column, "message": p.message, "params": p.params}
                                          for p in report.problems[:PROBLEMS_KEPT]],
                             "more": max(0, len(report.problems) - PROBLEMS_KEPT),
                             "notes": [{"message": n.message, "params": n.params} for n in report.notes],
                             "counts": {"rows": report.rows, "encoding": report.encoding, "created": report.created,
                                        "updated": report.updated, "unchanged": report.unchanged, "bad": report.bad}}}
    except ReadError as exc:
        status, fields = "failed", {"summary": str(exc), "report": {"error": {"message": exc.message, "params": exc.params}}}
    except Exception:  # pragma: no cover - logged by the thread; the page must not wait forever
        status, fields = "failed", {"summary": UNEXPECTED, "report": {"error": {"message": UNEXPECTED, "params": {}}}}
        raise
    finally:
        with app.sessions.begin() as session:
            run = session.get(ImportRun, run_id)
            if run is not None:
                run.status, run.finished_at = status, utcnow()
                run.rows_done, run.rows_total = progress.last
                for key, value in fields.items():
                    setattr(run, key, value)


def _run_or_404(run_id: int) -> ImportRun:
    with reading() as db:
        run = db.get(ImportRun, run_id)
    if run is None:
        abort(404, "no such import")
    return run


@imports.get("/admin/imports/<int:run_id>")
@security.allow("admin")
def show(run_id: int) -> Any:
    return render_template("console/admin_import.html", run=_run_or_404(run_id))


@imports.get("/admin/imports/<int:run_id>.json")
@security.allow("admin")
def progress_json(run_id: int) -> Any:
    run = _run_or_404(run_id)
    return jsonify(status=run.status, done=run.rows_done, total=run.rows_total)


@imports.get("/admin/imports/<int:run_id>/bad-rows.csv")
@security.allow("admin")
def bad_rows(run_id: int) -> Response:
    run = _run_or_404(run_id)
    if not run.bad_rows_csv:
        abort(404, "this import refused no rows")
    return Response("\ufeff" + run.bad_rows_csv, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{run_id}-bad-rows.csv"})
