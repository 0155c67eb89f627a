"""Guarded writes: several Core statements as one unit, stopping after a missed row count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import INSERT_OUTBOX, OutboxEvent, outbox_rows
from hub.core.guarded_writes import WriteStep, execute_guarded

_OUTBOX: sa.Table = OutboxEvent.__table__  # type: ignore[attr-defined]
_BUMP = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.id == sa.bindparam("where_id"))
    .values(attempts=sa.bindparam("set_attempts"), dispatched_at=sa.bindparam("set_at"))
)


def _event(aggregate_id: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    row = outbox_rows(
        [
            {
                "topic": "test.guarded",
                "aggregate_type": "thing",
                "aggregate_id": aggregate_id,
                "payload": payload or {},
                "version": 1,
            }
        ]
    )[0]
    return row


async def _run(session: AsyncSession, steps: list[WriteStep]) -> list[int]:
    def job(sync: Session) -> list[int]:
        return execute_guarded(sync.connection(), steps)

    return await session.run_sync(job)


async def test_values_are_written_as_the_orm_reads_them(session: AsyncSession) -> None:
    first = _event("a", {"text": "ñandú", "nested": [1, {"b": None}]})
    counts = await _run(session, [WriteStep(INSERT_OUTBOX, first)])
    await session.commit()
    stored = (await session.exec(select(OutboxEvent).where(OutboxEvent.id == first["id"]))).one()
    assert len(counts) == 1  # (an INSERT's count is driver-specific: PostgreSQL's may be -1)
    assert stored.payload == {"text": "ñandú", "nested": [1, {"b": None}]}
    assert stored.created_at == first["created_at"]
    assert stored.created_at.tzinfo is not None
    assert stored.aggregate_version == 1


async def test_a_missed_row_count_stops_the_run(session: AsyncSession) -> None:
    at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    missing = WriteStep(
        _BUMP, {"where_id": "absent", "set_attempts": 9, "set_at": at}, expect_rows=1
    )
    later = _event("never")
    counts = await _run(session, [missing, WriteStep(INSERT_OUTBOX, later)])
    await session.commit()
    assert counts == [0]
    assert (await session.exec(select(OutboxEvent))).all() == []


async def test_a_matched_update_lets_the_run_go_on(session: AsyncSession) -> None:
    row = _event("b")
    await _run(session, [WriteStep(INSERT_OUTBOX, row)])
    at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    bump = WriteStep(_BUMP, {"where_id": row["id"], "set_attempts": 3, "set_at": at}, 1)
    second = _event("c")
    counts = await _run(session, [bump, WriteStep(INSERT_OUTBOX, second)])
    await session.commit()
    stored = {e.aggregate_id: e for e in (await session.exec(select(OutboxEvent))).all()}
    assert len(counts) == 2
    assert counts[0] == 1
    assert stored["b"].attempts == 3
    assert stored["b"].dispatched_at == at
    assert set(stored) == {"b", "c"}


async def test_database_errors_surface_as_sqlalchemy_errors(session: AsyncSession) -> None:
    row = _event("d")
    await _run(session, [WriteStep(INSERT_OUTBOX, row)])
    with pytest.raises(IntegrityError):
        await _run(session, [WriteStep(INSERT_OUTBOX, row)])
    await session.rollback()
    assert (await session.exec(select(OutboxEvent))).all() == []


async def test_every_value_must_be_given(session: AsyncSession) -> None:
    row = _event("e")
    del row["attempts"]
    with pytest.raises(ValueError, match="attempts"):
        await _run(session, [WriteStep(INSERT_OUTBOX, row)])
    await session.rollback()


async def test_on_sqlite_the_run_is_one_trip(session: AsyncSession, trips: list[str]) -> None:
    if session.bind.dialect.name != "sqlite":
        pytest.skip("the one-trip path is SQLite's; other databases run the steps in turn")
    await session.exec(select(OutboxEvent))  # check out the connection first
    trips.clear()
    await _run(
        session, [WriteStep(INSERT_OUTBOX, _event("f")), WriteStep(INSERT_OUTBOX, _event("g"))]
    )
    assert len(trips) == 1
