"""Who may get in: `user add/list` for the console, `apikey add/list/revoke` for the shop API.

The commands are thin; each action is a plain function of the settings that returns the exit
code, so tests call it in process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from bot.cli.base import BotGroup, with_settings
from bot.config import Settings


@click.group("user", cls=BotGroup, short_help="console accounts: add one, or list them",
             help="Manage the web console's accounts.")
def user_group() -> None:
    pass


@user_group.command("add", short_help="add an account (prints the password when it is generated)",
                    help="Add a console account for EMAIL. At a terminal it asks for the password; "
                         "otherwise (or with --generate) it generates one and prints it once.")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(("admin", "staff", "marketer")))
@click.option("--generate", is_flag=True, help="generate the password even at a terminal")
@with_settings
def user_add_command(settings: Settings, email: str, role: str, generate: bool) -> int:
    return user_add(settings, email, role, generate=generate)


@user_group.command("list", short_help="list the accounts", help="List the accounts: email, role, state.")
@with_settings
def user_list_command(settings: Settings) -> int:
    from models import ConsoleUser
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database.url)
    try:
        with make_session_factory(engine)() as session:
            for user in session.query(ConsoleUser).order_by(ConsoleUser.email):
                print(f"{user.email}\t{user.role}\t{'active' if user.active else 'deactivated'}")
    finally:
        engine.dispose()
    return 0


def user_add(settings: Settings, email: str, role: str, *, generate: bool = False) -> int:
    """A console account, with a typed password at a terminal or a generated one printed once."""
    import getpass

    from bot.console.users import UserError, create_user
    from models.db import make_engine, make_session_factory

    password = None
    if not generate and sys.stdin.isatty():
        password = getpass.getpass("password (empty: generate one): ") or None
        if password is not None and getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    generated = password is None
    engine = make_engine(settings.database.url)
    try:
        with make_session_factory(engine).begin() as session:
            user, password = create_user(session, email, role, password)
            email, role = user.email, user.role
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"created {role} {email}")
    if generated:
        print(f"password: {password}")
    return 0


@click.group("apikey", cls=BotGroup, short_help="manage the shop API's keys (add, list, revoke)",
             help="Keys for POS and e-shop systems. A new key is printed once and stored hashed.")
def apikey_group() -> None:
    pass


@apikey_group.command("add", short_help="create a key and print it once",
                      help="Create a key for NAME, the system that uses it (e.g. pos-store-1), and print it once.")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(("pos", "eshop", "readonly")),
              help="pos / eshop: report orders, redeem coupons, look up; readonly: look up only")
@with_settings
def apikey_add_command(settings: Settings, name: str, role: str) -> int:
    return apikey_add(settings, name, role)


@apikey_group.command("revoke", short_help="stop a key from working", help="Stop the key named NAME from working.")
@click.argument("name")
@with_settings
def apikey_revoke_command(settings: Settings, name: str) -> int:
    return apikey_revoke(settings, name)


@apikey_group.command("list", short_help="show keys (never the keys themselves)",
                      help="Show the keys: name, role, prefix, state and last use; never the keys themselves.")
@with_settings
def apikey_list_command(settings: Settings) -> int:
    return apikey_list(settings)


def apikey_add(settings: Settings, name: str, role: str) -> int:
    """Create a key and print it; it is stored hashed, so this is the only time it is seen."""
    from bot.api.keys import create_key

    def add(session: Session) -> None:
        key = create_key(session, name, role)
        print(f"API key for {name} (role {role}). It is shown only this once; store it in the shop system:")
        print(key)

    return _with_keys(settings, add)


def apikey_revoke(settings: Settings, name: str) -> int:
    from bot.api.keys import revoke_key

    def revoke(session: Session) -> None:
        revoke_key(session, name)
        print(f"revoked {name}")

    return _with_keys(settings, revoke)


def apikey_list(settings: Settings) -> int:
    from bot.api.keys import list_keys

    def show(session: Session) -> None:
        for row in list_keys(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            print(f"{row.name}\t{row.role}\tcrm_{row.prefix}_...\t{state}\tlast used {used}")

    return _with_keys(settings, show)


def _with_keys(settings: Settings, action: Callable[[Session], None]) -> int:
    """Run one key action in one transaction; a refused action (a name taken, unknown) exits 2."""
    from bot.api.keys import ApiKeyError
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database.url)
    try:
        with make_session_factory(engine).begin() as session:
            action(session)
    except ApiKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
