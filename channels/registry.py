"""The one list of platforms the bot speaks, and the lookups everything else uses instead of names.

Adding a channel is a package under `channels/` whose `record.py` defines `RECORD` (a
`ChannelRecord`), plus its line in `PACKAGES` below. Nothing else in the code lists channel names:
the runtime builds adapters from here, the sandbox starts stand-ins from here, the pipeline cuts
outbox rows by the limits here, and the console and the marketing forms offer the names from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any

from channels.base import ChannelRecord, Limits

# In the order forms and pages show them.
PACKAGES = (
    "channels.line",
    "channels.telegram",
    "channels.email",
)

# What a name the registry does not know gets: one message per row, no multicast.
UNKNOWN_LIMITS = Limits()


@cache
def records() -> tuple[ChannelRecord, ...]:
    """Every record, loaded once (the record modules are small; adapters load when built)."""
    return tuple(importlib.import_module(f"{package}.record").RECORD for package in PACKAGES)


def names() -> tuple[str, ...]:
    return tuple(record.name for record in records())


def get(name: str) -> ChannelRecord:
    """The record of a channel, or KeyError naming the known ones."""
    for record in records():
        if record.name == name:
            return record
    raise KeyError(f"unknown channel {name!r}; known: {', '.join(names())}")


def limits(name: str) -> Limits:
    """The channel's limits; a name not registered (a test double) gets `UNKNOWN_LIMITS`."""
    return next((record.limits for record in records() if record.name == name), UNKNOWN_LIMITS)


def labels() -> dict[str, str]:
    """Each channel's own name as customers know it ("LINE"), by channel."""
    return {record.name: record.label for record in records()}


def looks_up_profiles(name: str) -> bool:
    """Whether the channel's profiles are read through its API after the reply (`jobs/profiles.py`)."""
    return any(record.profile_lookup for record in records() if record.name == name)


def staff_alert_names() -> tuple[str, ...]:
    """The channels that may carry alerts to staff."""
    return tuple(record.name for record in records() if record.staff_alerts)


def chat_function(name: str) -> Callable[..., int] | None:
    """The developer tool that speaks this channel in `python -m bot chat`, if it has one."""
    target = get(name).chat
    if target is None:
        return None
    module, _, function = target.partition(":")
    found: Any = getattr(importlib.import_module(module), function)
    return found
