"""What an import found and did: the problems per line and column, the counts, and the CSV of
bad rows to fix and import again (the original cells, then the reason)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True)
class Problem:
    line: int  # 0: about the file as a whole (its header)
    column: str
    message: str  # an English msgid with {placeholders}: the console translates it
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.message.format(**self.params)


@dataclass
class Report:
    kind: str  # customers | orders
    dry_run: bool
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    bad_rows: dict[int, list[str]] = field(default_factory=dict)  # line -> the row's cells as read
    header: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # things done alongside (e.g. "12 SKUs are not in the catalogue")

    def fail(self, line: int, column: str, message: str, cells: list[str] | None = None, **params: Any) -> None:
        self.problems.append(Problem(line, column, message, params))
        if cells is not None:
            self.bad_rows.setdefault(line, cells)

    def note(self, message: str, **params: Any) -> None:
        """Something done alongside, as an English msgid with {placeholders} (the console translates it)."""
        self.notes.append(Problem(0, "", message, params))

    @property
    def bad(self) -> int:
        return len(self.bad_rows)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (f"{self.rows} rows read ({self.encoding}): {self.created} {verb} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.bad} refused")

    def bad_rows_csv(self) -> str:
        """The refused rows as they were, with their line and what is wrong, ready to fix and re-import."""
        reasons: dict[int, list[str]] = {}
        for problem in self.problems:
            if problem.line in self.bad_rows:
                reasons.setdefault(problem.line, []).append(f"{problem.column}: {problem.text()}")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*self.header, "line", "problem"])
        for line, cells in sorted(self.bad_rows.items()):
            writer.writerow([*cells, line, "; ".join(reasons.get(line, []))])
        return out.getvalue()
