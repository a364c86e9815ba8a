"""Reading query rows into numpy arrays (binary COPY on PostgreSQL, the driver elsewhere) and
writing arrays back by binary COPY: the values survive the round trip exactly, chunk borders
included, and what the fixed-width reader cannot take (a NULL) fails loudly instead of shifting
every later value."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from bot.crm.value import arrays
from bot.crm.value.arrays import copy_in, query_array


def _postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_rows_come_back_as_arrays_on_both_databases(runtime, db, monkeypatch):
    monkeypatch.setattr(arrays, "CHUNK", 7)  # several chunks on the driver's path
    with runtime.sessions.begin() as s:
        values = "UNION ALL ".join(f"SELECT {i} AS a, {i * 0.5 - 3} AS b " for i in range(40))
        got = query_array(s, f"SELECT CAST(a AS DOUBLE PRECISION), CAST(b AS DOUBLE PRECISION) FROM ({values}) AS t "
                             f"WHERE a < %(top)s ORDER BY a", {"top": 25}, 2, np.float64)
    assert got.shape == (25, 2) and got[:, 0].tolist() == list(range(25)) and got[3, 1] == -1.5


@pytest.mark.parametrize("rows", [0, 1, 250_001])  # none, one, and past the writer's chunk of 200,000
def test_binary_copy_round_trip(runtime, db, rows):
    with runtime.sessions.begin() as s:
        if not _postgres(s):
            pytest.skip("binary COPY is PostgreSQL's")
        s.execute(text("CREATE TEMPORARY TABLE t (i BIGINT, x FLOAT8, ok BOOLEAN) ON COMMIT DROP"))
        i = np.arange(rows, dtype=np.int64) * 7919 - 2**40
        x = np.where(np.arange(rows) % 5 == 0, np.nan, np.arange(rows) / 3.0)
        ok = np.arange(rows) % 2 == 0
        copy_in(s, "t", {"i": i, "x": x, "ok": ok})
        back = query_array(s, "SELECT CAST(i AS FLOAT8), x, CAST(CAST(ok AS INTEGER) AS FLOAT8) FROM t ORDER BY i", {}, 3, np.float64)
        ints = query_array(s, "SELECT CAST(i % 1000 AS INTEGER) FROM t ORDER BY i", {}, 1, np.int32)
    assert back.shape == (rows, 3) and ints.dtype == np.int32
    assert np.array_equal(back[:, 0], i.astype(np.float64)) and np.array_equal(back[:, 1], x, equal_nan=True)
    assert np.array_equal(back[:, 2], ok.astype(np.float64))
    assert np.array_equal(ints[:, 0], np.fmod(i, 1000).astype(np.int32))  # PostgreSQL's % keeps the sign, as fmod


def test_a_null_or_a_column_of_another_type_fails_loudly(runtime, db):
    with runtime.sessions.begin() as s:
        if not _postgres(s):
            pytest.skip("binary COPY is PostgreSQL's")
        with pytest.raises(ValueError, match="NULL or a column of another type"):
            query_array(s, "SELECT CAST(NULL AS DOUBLE PRECISION) FROM generate_series(1, 3)", {}, 1, np.float64)
    with runtime.sessions.begin() as s, pytest.raises(ValueError, match="NULL or a column of another type"):
        query_array(s, "SELECT CAST(7 AS INTEGER) FROM generate_series(1, 3000)", {}, 1, np.float64)  # 4 bytes, not 8

