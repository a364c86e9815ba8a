"""`backup` and `restore`: SQLite's online backup while the embedded service is serving and being
written to, PostgreSQL through pg_dump / pg_restore; a restore into an empty database gives the
same counts, and a restore over a shop's data or without the tools is refused with a reason."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from bot.cli.backup import BackupError, backup, restore
from bot.crm.orders import record_order
from bot.devtools import demo
from models import Base, Customer, utcnow
from models.db import make_engine
from tests.dataio.test_demo import NOW


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {t.name: connection.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def with_url(settings, url: str):
    return settings.model_copy(update={"database": dataclasses.replace(settings.database, url=url)})


def fill(runtime) -> None:
    with runtime.sessions.begin() as session:
        demo.generate(session, runtime.settings, customers=200, now=NOW)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_backup_while_the_service_runs_and_restore(runtime, server, tmp_path: Path):
    fill(runtime)
    with runtime.sessions() as s:
        customer = s.scalar(select(Customer.id).order_by(Customer.id).limit(1))
    before = counts(runtime.settings.database.url)
    stop = threading.Event()

    def keep_writing() -> None:  # the shop keeps selling while the backup runs
        while not stop.is_set():
            with runtime.sessions.begin() as session:
                record_order(session, runtime.settings, customer, amount=Decimal(100), items=[], placed_at=utcnow(),
                             source="test", quiet=True)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "shop.backup"
        backup(runtime.settings, target)
        assert requests.get(f"{server}/console/login", timeout=10).status_code == 200  # still serving
    finally:
        stop.set()
        writer.join()
    after = counts(runtime.settings.database.url)
    saved = counts(f"sqlite:///{target}")
    assert before["orders"] <= saved["orders"] <= after["orders"]
    assert {k: v for k, v in saved.items() if k not in ("orders", "order_lines", "points_ledger", "stamps")} == \
        {k: v for k, v in before.items() if k not in ("orders", "order_lines", "points_ledger", "stamps")}
    with sqlite3.connect(target) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    empty = with_url(runtime.settings, f"sqlite:///{tmp_path / 'restored' / 'bot.db'}")
    restore(empty, target)
    assert counts(empty.database.url) == saved
    with pytest.raises(BackupError, match="already has customers"):
        restore(empty, target)
    restore(empty, target, force=True)
    with pytest.raises(BackupError, match="not a SQLite backup"):
        (tmp_path / "junk").write_bytes(b"not a database")
        restore(with_url(runtime.settings, f"sqlite:///{tmp_path / 'other.db'}"), tmp_path / "junk")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_backup_and_restore_into_an_empty_database(runtime, pg_server, tmp_path: Path, monkeypatch):
    fill(runtime)
    target = tmp_path / "shop.dump"
    backup(runtime.settings, target)
    empty = with_url(runtime.settings, pg_server.create_database(f"restored_{tmp_path.name[-8:].lower()}"))
    restore(empty, target)
    assert counts(empty.database.url) == counts(runtime.settings.database.url)
    engine = make_engine(empty.database.url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Customer)).scalar_one() == 200
    engine.dispose()
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the PostgreSQL client tools
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup(runtime.settings, tmp_path / "again.dump")
