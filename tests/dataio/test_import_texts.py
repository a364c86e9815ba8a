"""Every text an import report shows on the console (its problems, its notes, why a file could not
be read, and the messages other modules give it: tags, orders) is an English msgid with its
Traditional Chinese in the console's catalog; the console's languages are zh-TW (the catalog) and
English (the msgids themselves), `bot.console.i18n.CONSOLE_LANGUAGES`.

Found by reading the import modules' source (every string given to a problem, a note or a read
error), so a message added later without its translation fails here. The CSV of refused rows
stays in English (the reason column is for whoever fixes the file, as the command line prints it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.console import import_views
from bot.console.i18n import CONSOLE_LANGUAGES, ZH_TW
from bot.crm import tags
from bot.crm.orders import OrderError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "bot" / "crm" / "imports").glob("*.py"), ROOT / "bot" / "crm" / "products.py"]
CALLS = {"fail", "note", "CellError", "ReadError"}


def report_messages() -> set[str]:
    """The string constants given to fail(), note(), CellError() and ReadError() that are texts
    (a column name has no space)."""
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in CALLS:
                    found |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                              and " " in arg.value}
    return found


def other_modules_messages() -> set[str]:
    """What the import reports from other modules: a tag name refused by `tags.clean_name`."""
    texts = set()
    for name in ("bad\x00tag", "   ", "x" * 200):
        try:
            tags.clean_name(name)
        except tags.TagError as exc:
            texts.add(str(exc))
    return texts


def test_the_scan_finds_the_messages():
    found = report_messages()
    assert {"column not imported: {name}", "not an email address", "the file is empty: it needs a header row and at least one row",
            "{count} SKUs are not in the catalogue (kept on the orders): {skus}"} <= found
    assert len(found) > 40


def test_every_import_text_has_its_translation():
    assert set(CONSOLE_LANGUAGES) == {"zh-TW", "en"}  # a third console language needs its catalog checked here
    texts = report_messages() | other_modules_messages() | {import_views.UNEXPECTED, "not recorded ({reason})"}
    assert sorted(t for t in texts if t not in ZH_TW) == []
    for text in texts:  # the same placeholders in both languages
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", ZH_TW[text])), text
    assert OrderError("duplicate", "").reason == "duplicate"
