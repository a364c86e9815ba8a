"""How far a console import is, kept where every web worker can read it: the `import_runs` row.

Why the database: with several gunicorn workers, the request that asks for the progress seldom
lands in the process that runs the import, so progress in one process's memory shows nothing.
Each update is its own short transaction (the import's transaction stays open for minutes), and
only every EVERY rows, so a million-row import adds a few hundred tiny UPDATEs.

Why not on SQLite mid-run: there every transaction starts with `BEGIN IMMEDIATE` (models/db.py), so
the import holds the database's only write lock from its first statement, and a progress write
(like any console request) would wait for the import to finish. The row gets its numbers when
the import is done; the embedded SQLite service is one process and a small shop's file anyway.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models import ImportRun

EVERY = 2000  # rows between two writes of the progress


class ProgressWriter:
    """The import's progress callback for one run: (rows done, rows in all)."""

    def __init__(self, sessions: sessionmaker[Session], run_id: int, every: int | None = None) -> None:
        self.sessions, self.run_id, self.every = sessions, run_id, EVERY if every is None else every
        bind = sessions.kw.get("bind")
        self.shared = bind is not None and bind.dialect.name != "sqlite"
        self.written = -self.every
        self.last = (0, 0)  # what the run's row keeps once the import is done

    def __call__(self, done: int, total: int) -> None:
        self.last = (done, total)
        if not self.shared or done - self.written < self.every and done < total:
            return
        self.written = done
        with self.sessions.begin() as session:
            session.execute(update(ImportRun).where(ImportRun.id == self.run_id).values(rows_done=done, rows_total=total))
