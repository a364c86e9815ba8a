"""`init`: the database schema, and the FAQ the console edits from then on."""

from __future__ import annotations

import click

from bot.cli.base import with_settings
from bot.config import Settings


def init_database(settings: Settings) -> int:
    """Migrate to the newest schema and seed the FAQ; safe to run again (`serve` runs it first)."""
    from bot.crm.faq_store import seed_faq
    from models.db import make_engine, make_session_factory
    from models.migrate import upgrade

    engine = make_engine(settings.database.url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        seed_faq(session, settings)  # the console edits the FAQ from here on
    engine.dispose()
    print(f"database ready: {safe_url(settings.database.url)}")
    return 0


def safe_url(url: str) -> str:
    """The database URL as it may be printed: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("init", short_help="create or upgrade the database schema (safe to run again)",
               help="Run the Alembic migrations up to the newest schema. Idempotent.")
@with_settings
def init_command(settings: Settings) -> int:
    return init_database(settings)
