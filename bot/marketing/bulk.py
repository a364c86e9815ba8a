"""Writing many rows fast: PostgreSQL's COPY, or executemany elsewhere (see `models.bulk`, where it
lives so that the domain's journeys write their 100,000 rows the same way; the name stays here for
the broadcasts and benchmarks that import it)."""

from __future__ import annotations

from models.bulk import EXECUTEMANY_CHUNK, bulk_insert

__all__ = ["EXECUTEMANY_CHUNK", "bulk_insert"]
