"""From the bytes of an uploaded or given file to a header and rows, refusing what no spreadsheet
writes (NUL bytes, a header of thousands of columns, a cell of a megabyte) with one clear reason.

Why the encoding is decided in a fixed order: the same file must always be read the same way
(an import is repeated to be idempotent). A byte-order mark says UTF-8; otherwise strict UTF-8 is
tried first (it almost never decodes text written in another encoding), then Big5 (CP950, what
Excel in Taiwan saves) and GB18030 (Excel in China); when both of those decode the bytes,
charset-normalizer chooses the one whose text reads as language, and Big5 wins a tie.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

MAX_COLUMNS = 100
MAX_CELL = 2000
CANDIDATES = ("cp950", "gb18030")


class ReadError(Exception):
    """The file as a whole cannot be read; the message says why in words an operator understands
    (an English msgid with {placeholders} and their values, which the console translates)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message, self.params = message, params


@dataclass(frozen=True)
class Table:
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells), blank lines left out


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the name of the encoding it was read with."""
    if b"\x00" in data:
        raise ReadError("the file contains NUL bytes: it is not a CSV text file (save it from the spreadsheet as CSV)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded: dict[str, str] = {}
    for name in CANDIDATES:
        try:
            decoded[name] = data.decode(name)
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise ReadError("the file is not text in UTF-8, Big5 (CP950) or GB18030; save it from the spreadsheet as CSV UTF-8")
    if len(decoded) == 1:
        name = next(iter(decoded))
        return decoded[name], name
    best = from_bytes(data[:200_000], cp_isolation=list(CANDIDATES)).best()
    name = best.encoding if best is not None and best.encoding in decoded else CANDIDATES[0]
    return decoded[name], name


def read_table(data: bytes) -> Table:
    text, encoding = decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ReadError("the file is empty: it needs a header row and at least one row")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells Excel left behind
            if header is None:
                if len(cells) > MAX_COLUMNS:
                    raise ReadError("the header has {count} columns; at most {limit} are read", count=len(cells), limit=MAX_COLUMNS)
                header = cells
                continue
            if any(len(cell) > MAX_CELL for cell in cells):
                raise ReadError("line {line}: a cell longer than {limit} characters; is this the right file?", line=line, limit=MAX_CELL)
            rows.append((line, cells))
    except csv.Error as exc:
        raise ReadError("line {line}: not valid CSV ({error})", line=reader.line_num, error=str(exc)) from None
    assert header is not None
    return Table(encoding, delimiter, header, rows)
