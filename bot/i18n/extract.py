"""A `pybabel extract` method that reads the keys an existing catalog already holds.

Why: the bot's msgids are keys, and many are built at run time (`f"status_{state}"`,
`f"survey_{kind}"`), and the console shows words that arrive through variables (roles, stages,
report headers); an extraction of literal calls alone would miss them and `pybabel update` would
then mark them obsolete. So `make messages` extracts the literal calls (`ctx.t("...")`,
`N_("...")`, the console's `_("...")`) *and* every msgid of the reference catalog, plural entries
as plurals: a new message is added by extraction or by writing it in the reference catalog, and
`pybabel update` carries it to every language with an empty translation, which the tests refuse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.pofile import read_po


def existing_messages(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                      options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]]]:
    """Every msgid of a `.po` file, as `(lineno, funcname, message, comments)` for Babel."""
    for message in read_po(fileobj):
        if not message.id:
            continue
        line = message.lineno or 0
        if isinstance(message.id, tuple):
            yield line, "ngettext", tuple(message.id), []
        else:
            yield line, None, str(message.id), []
