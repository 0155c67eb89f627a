"""Small pieces the document builder uses: batched reads, grouping, hours, versions, costs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import CostOption, ProgramFacts, Schedule
from search.schedules import WeeklyHours, intervals

M = TypeVar("M", bound=SQLModel)


async def rows_of(
    session: AsyncSession, model: type[M], column: Any, keys: Iterable[str]
) -> list[M]:
    """Rows whose `column` is one of the keys (empty keys skipped), as read-only records.

    They are the table's rows with its column types applied (enums, aware datetimes), read
    through Core rather than as ORM instances: building and tracking the instances cost about
    a quarter of the CPU of building a document, and a full rebuild only reads them.
    """
    wanted = list({k for k in keys if k})
    if not wanted:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    # SQLAlchemy's select (SQLModel's would return the first column alone, as scalars).
    statement = sa.select(table).where(col(column).in_(wanted))
    result = await session.exec(statement)  # type: ignore[call-overload]
    # A Row answers the same attribute names as the model's columns.
    return cast(list[M], result.all())


def group(rows: Iterable[M], attribute: str) -> dict[str, list[M]]:
    """Rows by the value of an attribute (rows without one are left out)."""
    grouped: dict[str, list[M]] = defaultdict(list)
    for row in rows:
        key = getattr(row, attribute)
        if key is not None:
            grouped[key].append(row)
    return grouped


def hours(rows: Sequence[Schedule]) -> tuple[tuple[int, int], ...]:
    """Weekly opening spans of schedule rows."""
    return intervals(
        WeeklyHours(r.byday, r.opens_at, r.closes_at, r.freq.value if r.freq else None)
        for r in rows
    )


def version_of(rows: Iterable[Any]) -> int:
    """A document version: the latest change among its rows, in microseconds."""
    stamps = [r.updated_at for r in rows if getattr(r, "updated_at", None) is not None]
    latest: datetime = max(stamps)
    return int(latest.timestamp() * 1_000_000)


def costs(options: Sequence[CostOption], facts: ProgramFacts | None) -> tuple[bool, float | None]:
    """Whether a free option exists, and the lowest price (tuition + costs for programs)."""
    amounts = [float(o.amount) for o in options if o.amount is not None]
    if facts is not None and facts.tuition is not None and not amounts:
        amounts.append(float(facts.tuition + (facts.other_costs or Decimal(0))))
    if not amounts:
        return False, None
    low = min(amounts)
    return low == 0.0, low
