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


@dataclass(frozen=True)
class CustomerSignal:
    """Something happened to a customer that automations may react to ("tag_added", ...).

    Why a second, generic registry: the things journeys start from (a tag added, a lead captured,
    a ticket resolved) happen all over the domain; each fires one named signal in its own
    transaction, and whoever listens (the journeys) writes in the same session, so the reaction
    commits or rolls back with the change that caused it.
    """

    session: Session
    customer: Customer
    name: str
    properties: dict[str, object]
    now: datetime


SignalCallback = Callable[[CustomerSignal], None]
_signal_callbacks: list[SignalCallback] = []


def on_signal(callback: SignalCallback) -> SignalCallback:
    """Register a callback for every customer signal. Registering twice is an error."""
    if callback in _signal_callbacks:
        raise ValueError(f"{callback!r} is already registered for signals")
    _signal_callbacks.append(callback)
    return callback


def remove_signal_callback(callback: SignalCallback) -> None:
    _signal_callbacks.remove(callback)


def fire_signal(event: CustomerSignal) -> None:
    for callback in list(_signal_callbacks):
        callback(event)


def signal(session: Session, customer_id: int | None, name: str, properties: dict[str, object], now: datetime) -> None:
    """Fire a named signal for a customer known by id (nothing for no customer): the one-line form
    the places where a journey's trigger happens use."""
    if customer_id is None:
        return
    customer = session.get(Customer, customer_id)
    if customer is not None:
        fire_signal(CustomerSignal(session, customer, name, properties, now))
