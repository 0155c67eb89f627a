"""Benchmark: import a generated N-service HSDS package; compare with a raw bulk insert of the rows.

Run: .venv/bin/python bench/import_bench.py [--services 100000] [--database-url URL]
Prints services/s, peak memory (RSS, and tracemalloc with --tracemalloc) and the ratio to a raw
Core executemany insert of exactly the same rows into a fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub import migrate
from hub.core.clock import SystemClock
from hub.core.db import create_engine, create_session_factory, sync_url
from importers.entities import ENTITY_MODELS, defaults
from importers.hsds_reader import read_package
from importers.report import ImportReport
from importers.run import run_import

SERVICES_PER_ORG = 10
FILES = {
    "organization": ("organizations.csv", ["id", "name", "description", "email", "website"]),
    "service": ("services.csv", ["id", "organization_id", "name", "description", "status"]),
    "location": ("locations.csv", ["id", "organization_id", "name", "latitude", "longitude"]),
    "address": (
        "addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
    ),
    "phone": ("phones.csv", ["id", "service_id", "number", "type"]),
    "service_at_location": ("service_at_location.csv", ["id", "service_id", "location_id"]),
}


def _uid(kind: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{kind}/{i}"))


def rows(entity: str, n: int) -> Any:
    """The rows of one generated table, as dicts of CSV text."""
    orgs = max(1, n // SERVICES_PER_ORG)
    count = orgs if entity == "organization" else n
    for i in range(count):
        org = _uid("org", i % orgs)
        if entity == "organization":
            yield {
                "id": org,
                "name": f"Organization {i}",
                "description": f"Helps people ({i})",
                "email": f"info{i}@example.org",
                "website": f"https://org{i}.example.org",
            }
        elif entity == "service":
            yield {
                "id": _uid("svc", i),
                "organization_id": org,
                "name": f"Service {i}",
                "description": f"Food, rent help and job training, number {i}",
                "status": "active",
            }
        elif entity == "location":
            yield {
                "id": _uid("loc", i),
                "organization_id": org,
                "name": f"Site {i}",
                "latitude": f"{37 + (i % 1000) / 1000:.4f}",
                "longitude": f"{-122 - (i % 997) / 1000:.4f}",
            }
        elif entity == "address":
            yield {
                "id": _uid("adr", i),
                "location_id": _uid("loc", i),
                "address_1": f"{i} Main St",
                "city": "Oakland",
                "state_province": "CA",
                "postal_code": "94601",
                "country": "US",
            }
        elif entity == "phone":
            yield {
                "id": _uid("tel", i),
                "service_id": _uid("svc", i),
                "number": f"+1 510-555-{i % 10000:04d}",
                "type": "voice",
            }
        else:
            yield {
                "id": _uid("sal", i),
                "service_id": _uid("svc", i),
                "location_id": _uid("loc", i),
            }


def generate(directory: Path, n: int) -> int:
    """Write the package; returns the number of rows."""
    total = 0
    for entity, (name, fields) in FILES.items():
        with (directory / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in rows(entity, n):
                writer.writerow(row)
                total += 1
    return total


def _fresh(url_base: str | None, directory: Path, name: str) -> str:
    if url_base:
        admin = sa.create_engine(sync_url(url_base), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(url_base).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{directory / name}.sqlite3"
    migrate.upgrade(url)
    return url


async def raw_insert(url: str, n: int) -> tuple[float, float]:
    """Seconds to insert the same rows with Core executemany, 1,000 at a time, one transaction."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    start, cpu = time.perf_counter(), time.process_time()
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # The same page cache the import gives itself (importers/run.py), for a fair ratio.
            await connection.exec_driver_sql("PRAGMA cache_size=-65536")
        for entity in FILES:
            table = ENTITY_MODELS[entity].__table__  # type: ignore[attr-defined]
            batch: list[dict[str, Any]] = []
            for row in rows(entity, n):
                values: dict[str, Any] = {
                    **defaults(entity),
                    **row,
                    "created_at": now,
                    "updated_at": now,
                }
                for key in ("latitude", "longitude"):
                    if key in values:
                        values[key] = float(values[key])
                batch.append(values)
                if len(batch) == 1000:
                    await connection.execute(sa.insert(table), batch)
                    batch = []
            if batch:
                await connection.execute(sa.insert(table), batch)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    await engine.dispose()
    return elapsed, cpu


async def pipeline(url: str, package: Path) -> tuple[float, float, ImportReport]:
    """Seconds for the real import (validation, keys, hashes, change log, events, deactivation)."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    # Complete, as `hub import hsds` defaults to: the re-import also stamps every key it saw.
    report = ImportReport("bench", complete=True)
    start, cpu = time.perf_counter(), time.process_time()
    await run_import(
        read_package(package, report), session_factory=factory, report=report, clock=SystemClock()
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    await engine.dispose()
    return elapsed, cpu, report


def main() -> None:
    """Generate, import, insert raw, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default SQLite)")
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations")
    args = parser.parse_args()
    n = args.services
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        package = directory / "package"
        package.mkdir()
        total_rows = generate(package, n)
        size_mb = sum(p.stat().st_size for p in package.iterdir()) / 1e6
        print(f"package: {n:,} services, {total_rows:,} rows, {size_mb:.1f} MB", flush=True)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if args.tracemalloc:
            tracemalloc.start()
        url = _fresh(args.database_url or None, directory, "bench_import")
        seconds, cpu, report = asyncio.run(pipeline(url, package))
        traced = tracemalloc.get_traced_memory()[1] / 1e6 if args.tracemalloc else None
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert report.committed, report.problems[:5]
        assert report.entity("service").created == n
        print(
            f"import:   {seconds:8.1f} s wall ({cpu:7.1f} s CPU)  {n / seconds:8,.0f} services/s"
            f"  {total_rows / seconds:8,.0f} rows/s  ({n / cpu:,.0f} services per CPU-second)",
            flush=True,
        )
        extra = f"; tracemalloc peak {traced:,.0f} MB" if traced is not None else ""
        print(
            f"peak RSS: {rss_after:,.0f} MB (before import {rss_before:,.0f} MB){extra}", flush=True
        )
        raw_url = _fresh(args.database_url or None, directory, "bench_raw")
        raw, raw_cpu = asyncio.run(raw_insert(raw_url, n))
        print(
            f"raw:      {raw:8.1f} s wall ({raw_cpu:7.1f} s CPU)  {n / raw:8,.0f} services/s"
            "  (Core executemany of the same rows)",
            flush=True,
        )
        print(
            f"ratio:    {seconds / raw:8.2f} x raw (wall)  {cpu / raw_cpu:.2f} x raw (CPU)",
            flush=True,
        )
        again, again_cpu, second = asyncio.run(pipeline(url, package))
        assert second.changed == 0
        print(
            f"re-import (no changes): {again:.1f} s wall ({again_cpu:.1f} s CPU)"
            f"  {n / again:,.0f} services/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
