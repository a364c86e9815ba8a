"""`backup FILE` and `restore FILE`: the whole database to one file and back.

Why these tools: SQLite's online backup API copies a consistent snapshot page by page while the
service keeps writing (a plain file copy of a database in WAL mode can miss the latest commits);
PostgreSQL's own `pg_dump` (custom format) and `pg_restore` are what its operators know and trust.
The password goes to them through the environment, never on the command line (`ps` shows that).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bot.cli.base import with_settings
from bot.config import Settings


class BackupError(Exception):
    """Why a backup or restore cannot run; the message says what to do."""


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: there is nothing on disk to back up")
    return Path(database)


def _pg(url: str) -> tuple[str, dict[str, str]]:
    """A libpq address without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed on this machine: install the PostgreSQL client tools "
                          f"(Debian/Ubuntu: apt-get install postgresql-client, the same major version as the server)")
    return found


def backup(settings: Settings, target: Path) -> None:
    url = settings.database.url
    if make_url(url).get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)  # online: a consistent snapshot while the service writes
        finally:
            destination.close()
            source.close()
        return
    address, env = _pg(url)
    done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", address], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")


def has_data(url: str) -> bool:
    """Whether the database already holds a shop (a restore over it needs --force)."""
    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("customers"):
                return False
            return connection.execute(text("SELECT 1 FROM customers LIMIT 1")).first() is not None
    finally:
        engine.dispose()


def restore(settings: Settings, source: Path, *, force: bool = False) -> None:
    url = settings.database.url
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not force and has_data(url):
        raise BackupError("the database already has customers; restore into an empty database, or add --force "
                          "to replace everything in it (stop the service first)")
    if make_url(url).get_backend_name() == "sqlite":
        with open(source, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not a SQLite backup")
        target = _sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(source)
        destination = sqlite3.connect(target)
        try:
            with destination:
                backup_copy.backup(destination)
        finally:
            destination.close()
            backup_copy.close()
        return
    address, env = _pg(url)
    done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           f"--dbname={address}", str(source)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")


@click.command("backup", short_help="back up the database to FILE (online, while the service runs)",
               help="SQLite: the online backup API (safe while the service runs). PostgreSQL: pg_dump's custom format.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_settings
def backup_command(settings: Settings, file: Path) -> int:
    try:
        backup(settings, file)
    except (BackupError, sqlite3.Error) as exc:
        click.echo(f"backup: {exc}", err=True)
        return 1
    click.echo(f"backed up to {file} ({file.stat().st_size:,} bytes)")
    return 0


@click.command("restore", short_help="restore the database from a FILE made by backup",
               help="Into an empty database (or with --force, over one; stop the service first).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already has data")
@with_settings
def restore_command(settings: Settings, file: Path, force: bool) -> int:
    try:
        restore(settings, file, force=force)
    except (BackupError, sqlite3.Error) as exc:
        click.echo(f"restore: {exc}", err=True)
        return 1
    click.echo(f"restored from {file}")
    return 0
