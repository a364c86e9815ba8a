"""Small helpers every care handler shares: command matching, the texts of a reply and the
dialogue state.

Why here and not in each handler: the same rules (how a typed command is recognised, how a
dialogue keeps its language) must hold everywhere. Reaching a customer outside a conversation is
the domain's (`bot.crm.outreach`); comparing words and reading dates live in `bot.crm.text`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from bot.crm.text import normalise, render
from bot.engine import Context
from bot.i18n import Catalog

Texts = Catalog


def say(ctx: Context, texts: Texts, key: str, **fields: object) -> str:
    return render(texts, key, ctx.language, ctx.settings, **fields)


@functools.lru_cache(maxsize=4096)
def _wanted(word: str) -> str:
    """A word or phrase we look for, normalised once per process: the lists (complaint phrases,
    greetings, commands) are the same on every message, the message is what changes."""
    return normalise(word)


def is_command(text: str, words: Iterable[str]) -> bool:
    """The whole message is one of the words: commands such as "stop" must not fire inside a
    sentence ("don't stop sending")."""
    said = normalise(text)
    return bool(said) and any(said == _wanted(word) for word in words)


def mentions(text: str, words: Iterable[str]) -> list[str]:
    """Which of the words occur: Chinese ones anywhere, English ones as whole words."""
    said = normalise(text)
    found = []
    for word in words:
        wanted = _wanted(word)
        if not wanted:
            continue
        if wanted.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])", said):
                found.append(word)
        elif wanted in said:
            found.append(word)
    return found


# --- dialogue state ------------------------------------------------------------------------------

def flow_of(ctx: Context) -> str | None:
    return ctx.state.flow if ctx.state is not None else None


def start_flow(ctx: Context, flow: str, step: str, **data: Any) -> None:
    """Enter a dialogue; the customer's language is remembered so typed values (an email, a name
    in Latin letters) do not switch the rest of the dialogue to English."""
    assert ctx.state is not None and ctx.customer is not None
    ctx.state.flow, ctx.state.step = flow, step
    ctx.state.data = {**ctx.state.data, flow: {**data, "language": ctx.customer.language, "misses": 0}}


def flow_data(ctx: Context) -> dict[str, Any]:
    assert ctx.state is not None and ctx.state.flow
    return dict(ctx.state.data.get(ctx.state.flow) or {})


def update_flow(ctx: Context, step: str | None = None, **data: Any) -> None:
    assert ctx.state is not None and ctx.state.flow
    if step is not None and step != ctx.state.step:
        ctx.state.step = step
        data.setdefault("misses", 0)  # a new question starts with a clean slate
    ctx.state.data = {**ctx.state.data, ctx.state.flow: {**flow_data(ctx), **data}}


def end_flow(ctx: Context) -> None:
    if ctx.state is None or not ctx.state.flow:
        return
    data = dict(ctx.state.data)
    data.pop(ctx.state.flow, None)
    ctx.state.flow, ctx.state.step, ctx.state.data = None, None, data


def keep_flow_language(ctx: Context) -> None:
    """Undo the engine's language guess for a value typed into a dialogue."""
    language = flow_data(ctx).get("language")
    if language and ctx.customer is not None and ctx.customer.language != language and ctx.event.kind == "text":
        ctx.customer.language = language


def miss(ctx: Context) -> int:
    """Count a bad answer at the current step; returns how many in a row."""
    misses = int(flow_data(ctx).get("misses", 0)) + 1
    update_flow(ctx, misses=misses)
    return misses
