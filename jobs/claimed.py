"""An outbox row a worker has leased, with the one request it may send.

Why a module of its own: delivery (`jobs/delivery.py`) claims and sends these, and the marketing
gate (`jobs/marketing_gate.py`), which delivery calls, narrows their recipients; each imports it
from here instead of from the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from channels.base import Delivery


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    delivery: Delivery
    attempts: int
    queued_at: datetime | None = None  # when the row was queued: the metrics' delivery latency
