"""`demo`: fill the database with the demo bookshop, or (`--clear`) take it out again."""

from __future__ import annotations

import click

from bot.cli.base import with_settings
from bot.config import Settings


def sandbox_only(settings: Settings) -> bool:
    """Where `make run` may fill an empty database by itself: not production, no real channel
    configured (the stand-ins answer instead), so no made-up address can reach anyone."""
    return not (settings.production or settings.line_configured or settings.telegram_configured or settings.email_configured)


def run_demo(settings: Settings, *, clear: bool = False, seed: int = 15, customers: int = 2000, if_empty: bool = False) -> int:
    from sqlalchemy import select

    from bot.devtools import demo
    from models import Customer
    from models.db import make_engine, make_session_factory
    from models.migrate import upgrade

    if if_empty and not sandbox_only(settings):
        click.echo("tip: `python -m bot demo` fills a test database with a demo bookshop (not with real channels configured)")
        return 0
    if settings.production and not clear:
        click.echo("demo: refused in production: the demo's customers have made-up LINE, Telegram and email "
                   "addresses that jobs would try to reach; use a sandbox or test database", err=True)
        return 2
    engine = make_engine(settings.database.url)
    upgrade(engine)
    try:
        with make_session_factory(engine).begin() as session:
            if if_empty and session.scalar(select(Customer.id).limit(1)) is not None:
                return 0  # a database with customers is left as it is
            if clear:
                removed = demo.clear(session)
                click.echo("demo data removed: " + (", ".join(f"{n} {t}" for t, n in removed.items()) or "there was none"))
                return 0
            summary = demo.generate(session, settings, seed=seed, customers=customers)
    except demo.DemoExists as exc:
        click.echo(f"demo: {exc}", err=True)
        return 1
    finally:
        engine.dispose()
    made = ", ".join(f"{n} {t}" for t, n in summary.counts.items())
    click.echo(f"demo bookshop ready in {summary.seconds:.1f} s (seed {summary.seed}): {made}")
    click.echo("remove it with: python -m bot demo --clear")
    return 0


@click.command("demo", short_help="fill the database with a demo bookshop (or --clear it)",
               help="Create a believable bookshop with 18 months of history (products, ~2,000 customers, orders, "
                    "coupons, points, appointments, tickets, surveys, two broadcasts with control groups), marked "
                    "as demo data. --clear deletes exactly that data and nothing else.")
@click.option("--clear", is_flag=True, help="remove the demo data (and only it)")
@click.option("--seed", type=int, default=15, show_default=True, help="the same seed makes the same shop")
@click.option("--customers", type=click.IntRange(10, 20000), default=2000, show_default=True)
@click.option("--if-empty", is_flag=True, help="only in a sandbox (no real channel, not production) whose database has no "
                                               "customer yet; otherwise print a hint (what `make run` does)")
@with_settings
def demo_command(settings: Settings, clear: bool, seed: int, customers: int, if_empty: bool) -> int:
    return run_demo(settings, clear=clear, seed=seed, customers=customers, if_empty=if_empty)
