"""The search log writer: queued rows are written together, JSON columns intact."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from hub.core.db import SessionFactory
from search.log import SearchLog, SearchLogWriter

WHEN = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


async def test_queued_rows_are_written_in_one_batch(session_factory: SessionFactory) -> None:
    writer = SearchLogWriter(session_factory, delay=3600)
    for number, needs in enumerate((["food"], ["housing", "legal"], [])):
        writer.add(
            created_at=WHEN,
            need_codes=needs,
            postal_code="94601" if needs else None,
            state="CA" if needs else None,
            radius_km=10.0 if needs else None,
            result_count=number,
            has_text=not needs,
            filters=["free"] if number else [],
            sort="relevance",
        )
    await writer.close()
    async with session_factory() as session:
        rows = (await session.exec(select(SearchLog).order_by(SearchLog.result_count))).all()
    assert [(r.need_codes, r.postal_code, r.filters, r.result_count) for r in rows] == [
        (["food"], "94601", [], 0),
        (["housing", "legal"], "94601", ["free"], 1),
        ([], None, ["free"], 2),
    ]
