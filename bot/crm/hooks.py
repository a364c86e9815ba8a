"""Hooks other features attach to the commerce events, without the commerce code knowing them.

Why a registry: the post-purchase survey (or any other reaction to a purchase) must run in
the same transaction as the order it follows, but orders should not import surveys. A feature
registers once at import time (`hooks.on_order(schedule_survey)`); `record_order` fires every
registered callback; with none registered, an order simply enqueues nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from models import Customer, Order


@dataclass(frozen=True)
class OrderPlaced:
    """What a callback gets: the open session (write in it, commit nothing), the order and its customer."""

    session: Session
    settings: Settings
    order: Order
    customer: Customer
    first_purchase: bool
    now: datetime


OrderCallback = Callable[[OrderPlaced], None]
_order_callbacks: list[OrderCallback] = []


def on_order(callback: OrderCallback) -> OrderCallback:
    """Register a callback for every new order (usable as a decorator). Registering twice is an error."""
    if callback in _order_callbacks:
        raise ValueError(f"{callback!r} is already registered for orders")
    _order_callbacks.append(callback)
    return callback


def remove_order_callback(callback: OrderCallback) -> None:
    _order_callbacks.remove(callback)


def fire_order(event: OrderPlaced) -> None:
    for callback in list(_order_callbacks):
        callback(event)
