"""`import customers FILE`, `import orders FILE` and `import products FILE`: a shop's data from CSV, with a dry run, a
progress bar, a report per row and a CSV of the refused rows to fix and import again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.base import with_settings
from bot.config import Settings

PROBLEMS_SHOWN = 50


def run_file_import(settings: Settings, kind: str, path: Path, *, dry_run: bool, template: bool,
                    bad_rows: Path | None) -> int:
    from bot.crm.imports.run import ReadError, run_import, template_csv
    from models import utcnow
    from models.db import make_engine, make_session_factory

    if template:
        path.write_text(template_csv(kind), encoding="utf-8")
        click.echo(f"wrote the {kind} template: {path}")
        return 0
    try:
        data = path.read_bytes()
    except OSError as exc:
        click.echo(f"import: cannot read {path}: {exc.strerror}", err=True)
        return 2
    engine = make_engine(settings.database.url)
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=f"{'checking' if dry_run else 'importing'} {kind}", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        with make_session_factory(engine).begin() as session:
            report = run_import(session, settings, kind, data, dry_run=dry_run, now=utcnow(), progress=progress)
    except ReadError as exc:
        click.echo(f"import: {path}: {exc}", err=True)
        return 2
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        engine.dispose()
    for problem in report.problems[:PROBLEMS_SHOWN]:
        where = f"line {problem.line}" if problem.line else "header"
        click.echo(f"{where}, {problem.column}: {problem.text()}")
    if len(report.problems) > PROBLEMS_SHOWN:
        click.echo(f"... and {len(report.problems) - PROBLEMS_SHOWN} more problems (all in the bad rows file)")
    for note in report.notes:
        click.echo(f"note: {note.text()}")
    click.echo(report.summary())
    if report.bad_rows and not dry_run:
        target = bad_rows or path.with_name(f"{path.stem}.errors.csv")
        target.write_text("\ufeff" + report.bad_rows_csv(), encoding="utf-8")
        click.echo(f"refused rows, with what is wrong, written to {target}: fix them and import that file")
    if report.problems and any(p.line == 0 for p in report.problems):
        return 1
    return 0


def _command(kind: str) -> click.Command:
    @click.command(kind, help=f"Import {kind} from a CSV file (UTF-8, Big5 or GB18030; comma or tab separated). "
                             "Run with --dry-run first; see the README for the columns.")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="check every row and report, write nothing")
    @click.option("--template", is_flag=True, help="write an empty FILE with the documented header instead")
    @click.option("--bad-rows", type=click.Path(dir_okay=False, path_type=Path),
                  help="where the refused rows go (default: FILE.errors.csv beside FILE)")
    @with_settings
    def command(settings: Settings, file: Path, dry_run: bool, template: bool, bad_rows: Path | None) -> int:
        return run_file_import(settings, kind, file, dry_run=dry_run, template=template, bad_rows=bad_rows)

    return command


@click.group("import", short_help="import customers, orders or products from CSV",
             help="Import a shop's customers, orders or products from CSV files its spreadsheets, POS or old CRM saved.")
def import_group() -> None:
    pass


import_group.add_command(_command("customers"))
import_group.add_command(_command("orders"))
import_group.add_command(_command("products"))
