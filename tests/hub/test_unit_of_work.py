"""Units of work: one function over `Statements`, its own transaction, one trip on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import SessionFactory, create_session_factory
from hub.core.events import INSERT_OUTBOX, EventPublisher, OutboxEvent, PublishedEvent, outbox_rows
from hub.core.guarded_writes import WriteStep
from hub.core.unit_of_work import Statements, run_unit

_OUTBOX: sa.Table = OutboxEvent.__table__  # type: ignore[attr-defined]
_BY_ID = sa.select(_OUTBOX).where(_OUTBOX.c.id == sa.bindparam("id"))
_BY_AGGREGATE = sa.select(_OUTBOX).where(_OUTBOX.c.aggregate_id == sa.bindparam("aggregate"))


def _event(aggregate_id: str) -> dict[str, Any]:
    return outbox_rows(
        [
            {
                "topic": "test.unit",
                "aggregate_type": "thing",
                "aggregate_id": aggregate_id,
                "payload": {"text": "ñandú", "nested": [1, {"b": None}]},
                "version": 7,
            }
        ]
    )[0]


def _publishing(engine: AsyncEngine) -> tuple[SessionFactory, list[PublishedEvent]]:
    published: list[PublishedEvent] = []
    publisher = EventPublisher()
    publisher.subscribe(published.extend)
    return create_session_factory(engine, publisher=publisher), published


def _insert(db: Statements, *rows: dict[str, Any]) -> None:
    db.write([WriteStep(INSERT_OUTBOX, row) for row in rows])
    db.publish_after_commit(list(rows))


async def _stored(session_factory: SessionFactory) -> list[str]:
    async with session_factory() as session:
        return list((await session.exec(select(OutboxEvent.aggregate_id))).all())


async def test_a_unit_commits_then_publishes(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)
    row = _event("a")

    def work(db: Statements) -> str:
        _insert(db, row)
        assert published == []  # nothing leaves before the commit
        return "done"

    assert await run_unit(factory, work) == "done"
    assert [(e.id, e.topic, e.aggregate_version) for e in published] == [
        (row["id"], "test.unit", 7)
    ]
    assert await _stored(factory) == ["a"]


async def test_rows_are_read_as_sqlalchemy_reads_them(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    factory, _ = _publishing(engine)
    row = _event("b")
    await run_unit(factory, lambda db: _insert(db, row))
    read = await run_unit(factory, lambda db: db.fetch_one(_BY_ID, {"id": row["id"]}))
    expected = (await session.exec(_BY_ID, params={"id": row["id"]})).one()._mapping
    assert read is not None
    assert dict(read) == dict(expected)
    assert read["payload"] == {"text": "ñandú", "nested": [1, {"b": None}]}
    assert read["created_at"] == row["created_at"]
    assert read["created_at"].tzinfo is not None
    assert await run_unit(factory, lambda db: db.fetch_one(_BY_ID, {"id": "absent"})) is None


async def test_every_row_is_read_as_sqlalchemy_reads_it(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    factory, _ = _publishing(engine)
    rows = [_event("same"), _event("same"), _event("other")]
    await run_unit(factory, lambda db: _insert(db, *rows))
    read = await run_unit(factory, lambda db: db.fetch_all(_BY_AGGREGATE, {"aggregate": "same"}))
    expected = (await session.exec(_BY_AGGREGATE, params={"aggregate": "same"})).all()
    assert sorted(r["id"] for r in read) == sorted([rows[0]["id"], rows[1]["id"]])
    assert sorted(map(dict, read), key=lambda r: r["id"]) == sorted(
        (dict(r._mapping) for r in expected), key=lambda r: r["id"]
    )
    assert await run_unit(factory, lambda db: db.fetch_all(_BY_AGGREGATE, {"aggregate": "x"})) == []


async def test_a_failing_unit_writes_nothing_and_publishes_nothing(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)

    def work(db: Statements) -> None:
        _insert(db, _event("c"))
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await run_unit(factory, work)
    assert published == []
    assert await _stored(factory) == []
    # The pooled connection came back clean: the next unit commits only its own row.
    await run_unit(factory, lambda db: _insert(db, _event("d")))
    assert await _stored(factory) == ["d"]


async def test_database_errors_surface_as_sqlalchemy_errors(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)
    first, again = _event("e"), _event("f")
    again["id"] = first["id"]
    with pytest.raises(IntegrityError):
        await run_unit(factory, lambda db: _insert(db, first, again))
    assert published == []
    assert await _stored(factory) == []


async def test_every_bound_value_must_be_given(engine: AsyncEngine) -> None:
    factory, _ = _publishing(engine)
    with pytest.raises(ValueError, match="id"):
        await run_unit(factory, lambda db: db.fetch_one(_BY_ID, {}))


async def test_on_sqlite_a_unit_is_one_trip(engine: AsyncEngine, trips: list[str]) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the one-trip path is SQLite's; other databases run the unit in a greenlet")
    factory, _ = _publishing(engine)
    await run_unit(factory, lambda db: db.fetch_one(_BY_ID, {"id": "warm"}))
    trips.clear()

    def work(db: Statements) -> None:
        assert db.fetch_one(_BY_ID, {"id": "absent"}) is None
        _insert(db, _event("g"), _event("h"))

    await run_unit(factory, work)
    assert len(trips) == 1
    assert sorted(await _stored(factory)) == ["g", "h"]
