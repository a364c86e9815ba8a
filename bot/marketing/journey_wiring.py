"""Wiring the journeys (bot.crm.journeys) into a process: segment criteria and the domain's signals.

Why here: the segment criteria query lives in marketing, above the domain, so the domain's
journeys receive it by registration; every process that fires signals (worker, web, scheduler,
CLI) calls `install()` once while it assembles itself.
"""

from __future__ import annotations

from bot.crm.journeys import criteria, triggers
from bot.marketing.segments import segment_query


def install() -> None:
    criteria.register(segment_query)
    triggers.register()
