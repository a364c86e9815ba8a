"""The long-lived parts a process needs, built once from settings: database, channels, router."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm.coupons import sync_templates
from bot.crm.journeys.templates import install_defaults
from bot.crm.rewards import sync_rewards
from bot.engine import Router
from bot.routing import build_router
from channels import registry
from channels.base import Channel
from models import utcnow
from models.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    channels: dict[str, Channel]
    router: Router

    def close(self) -> None:
        for channel in self.channels.values():
            close: Any = getattr(channel, "close", None)
            if close:
                close()
        self.engine.dispose()


def build_channels(settings: Settings) -> dict[str, Channel]:
    """An adapter for every registered channel whose credentials are set."""
    return {record.name: record.build(settings) for record in registry.records() if record.configured(settings)}


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database.url, pool_size=settings.database.pool_size)
    sessions = make_session_factory(engine)
    sync_config_to_database(sessions, settings)
    return Runtime(settings, engine, sessions, build_channels(settings), build_router())


def sync_config_to_database(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Config that also lives in tables (coupon templates) is written there once per process start,
    so jobs and the API, which read the tables, see what config.toml says. A database that is down
    is not a reason to refuse to start (health checks answer 503 until it is back); a schema that
    is out of date is."""
    try:
        with sessions() as session:
            session.connection()
    except DBAPIError:
        log.warning("database unreachable at start-up; coupon templates not synced from config")
        return
    try:
        with sessions.begin() as session:
            sync_templates(session, settings)
            sync_rewards(session, settings)
            if settings.journeys.enabled:  # what used to be hard-coded jobs continues as journeys
                install_defaults(session, settings, utcnow())
    except DBAPIError as exc:
        raise RuntimeError(f"the database schema is not up to date ({type(exc.orig).__name__}); run `python -m bot init`") from exc
