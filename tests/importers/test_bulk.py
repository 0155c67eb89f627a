"""The import's fast executemany writes exactly what Core writes, and one-parameter IN lookups."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.bulk import execute_many, insert_statement, update_by_id
from importers.entities import defaults, entity_table
from importers.lookups import KEYS
from importers.sql import dialect_name, execute, one_of
from providers.models.enums import ServiceStatus

NOW = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _service(row_id: str, org_id: str) -> dict[str, Any]:
    return {
        **defaults("service"),
        "id": row_id,
        "organization_id": org_id,
        "name": f"Service {row_id[-1]}",
        "status": ServiceStatus.INACTIVE,
        "assured_date": date(2025, 5, 4),
        "minimum_age": 18,
    }


async def _rows(factory: SessionFactory, table: sa.Table, ids: list[str]) -> list[dict[str, Any]]:
    async with factory() as session:
        result = await execute(session, sa.select(table).where(table.c.id.in_(ids)))
        return sorted((dict(row) for row in result.mappings()), key=lambda row: row["id"])


async def test_bulk_insert_stores_what_core_stores(session_factory: SessionFactory) -> None:
    services, orgs = entity_table("service"), entity_table("organization")
    async with session_factory() as session:
        await execute(
            session,
            sa.insert(orgs),
            [{**defaults("organization"), "id": "org-1", "name": "Org", "description": "d"}],
        )
        stamps = {"created_at": NOW, "updated_at": NOW}
        core = [{**_service(f"core-{i}", "org-1"), **stamps} for i in range(3)]
        await execute(session, sa.insert(services), core)
        fast = [_service(f"fast-{i}", "org-1") for i in range(3)]
        await execute_many(session, insert_statement(services), fast, stamps)
        await session.commit()
    core_rows = await _rows(session_factory, services, [f"core-{i}" for i in range(3)])
    fast_rows = await _rows(session_factory, services, [f"fast-{i}" for i in range(3)])
    assert len(fast_rows) == 3
    for a, b in zip(core_rows, fast_rows, strict=True):
        assert {**a, "id": "", "name": ""} == {**b, "id": "", "name": ""}
    assert fast_rows[0]["version"] == 1  # the column's own default, as Core applies it
    assert fast_rows[0]["created_at"] == NOW
    assert fast_rows[0]["status"] == ServiceStatus.INACTIVE


async def test_bulk_update_and_differing_keys(session_factory: SessionFactory) -> None:
    orgs = entity_table("organization")
    async with session_factory() as session:
        rows = [
            {**defaults("organization"), "id": f"o{i}", "name": f"O{i}", "description": "d"}
            for i in range(2)
        ]
        await execute_many(session, insert_statement(orgs), rows, {"created_at": NOW})
        statement = update_by_id(orgs, ("name", "updated_at"))
        params = [{"row_id": "o0", "v_name": "Renamed", "v_updated_at": NOW}]
        await execute_many(session, statement, params)
        # A row without a key the first one has goes to Core, which refuses it as before.
        with pytest.raises(sa.exc.StatementError):
            await execute_many(session, statement, [*params, {"row_id": "o1"}])
        await session.rollback()


async def test_one_of_finds_exactly_the_listed_keys(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        shared = {"source": "s", "entity": "service", "imported_at": NOW}
        keys = [
            {"external_id": f"e{i}", "internal_id": f"i{i}", "content_hash": "h"} for i in range(5)
        ]
        await execute_many(session, insert_statement(KEYS), keys, shared)
        dialect = await dialect_name(session)
        wanted = ["e1", "e3", "missing", "e'4"]
        result = await execute(
            session,
            sa.select(KEYS.c.external_id).where(one_of(dialect, KEYS.c.external_id, wanted)),
        )
        assert sorted(result.scalars()) == ["e1", "e3"]
        await session.rollback()


async def test_progress_is_reported_in_steps_and_in_full(session_factory: SessionFactory) -> None:
    from hub.core.clock import SystemClock
    from importers.records import Record
    from importers.report import ImportReport, Origin
    from importers.run import run_import

    calls: list[int] = []
    report = ImportReport("progress")
    records = [
        Record("organization", f"org-{i}", {"name": f"Org {i}", "description": "d"}, Origin("f", i))
        for i in range(600)
    ]
    await run_import(
        records,
        session_factory=session_factory,
        report=report,
        clock=SystemClock(),
        on_progress=calls.append,
    )
    assert report.committed
    assert sum(calls) == 600
    assert len(calls) < 10  # batched, not one call per record
