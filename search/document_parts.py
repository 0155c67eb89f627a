"""Small pieces the document builder uses: batch scopes, column reads, hours, versions, costs."""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from search.schedules import WeeklyHours, intervals

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Row = tuple[Any, ...]

# Entries each memo keeps before it starts over: enough for the repeating values of a national
# directory (schedule patterns, tag sets, language spellings), a bound on memory at any size.
MEMO_ENTRIES = 20_000


# Objects allocated between young-generation collections while a rebuild runs (Python's
# default: 700). A rebuild allocates millions of short-lived rows and documents, none in
# cycles; at the default every collection, and the full ones they trigger, walked them and the
# whole heap again, about a third of the build's CPU.
REBUILD_GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often for the duration of a rebuild (restored afterwards)."""
    before = gc.get_threshold()
    gc.set_threshold(REBUILD_GC_THRESHOLD, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which services one batch reads: an id list, or the ids in (after, last] (a rebuild)."""

    ids: tuple[str, ...] = ()
    after: str | None = None
    last: str | None = None

    def where(self, column: Any) -> Any:
        """The condition on a column holding service ids."""
        if self.last is None:
            return column.in_(self.ids)
        # A range reads through the column's index in one pass (no list of bound ids); it also
        # returns rows of inactive services, which the builder skips.
        return sa.and_(column > self.after, column <= self.last)


def raw(column: Any) -> Any:
    """A column read as the driver returns it: an enum column's stored value (a str, which
    equals its StrEnum member) without converting each row's to the member."""
    return sa.type_coerce(column, sa.String)


def stamp_column(column: Any) -> Any:
    """An `updated_at` column read as the driver returns it (see `Stamps`)."""
    return sa.type_coerce(column, sa.String)


class Stamps:
    """`updated_at` values of one batch as aware UTC datetimes, each distinct value parsed once.

    SQLite returns them as text (rows shared by services, and rows written together, repeat
    the same text); other drivers return datetimes. The conversion is the one the column type
    makes (naive means UTC), without its per-row cost.
    """

    def __init__(self) -> None:
        self._parsed: dict[Any, datetime] = {}

    def __call__(self, value: str | datetime) -> datetime:
        """The aware UTC moment of a raw value."""
        found = self._parsed.get(value)
        if found is None:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else value
            found = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
            self._parsed[value] = found
        return found


async def read(session: AsyncSession, statement: Any) -> list[Row]:
    """The rows of a Core select (tuples), on the session's connection and transaction.

    Through the connection, not `session.execute`: the ORM's result handling is not needed
    for plain columns and cost as much as reading them.
    """
    connection = await session.connection()
    result = await connection.execute(statement)
    return cast(list[Row], result.all())


def group(rows: Iterable[Row], key: int) -> dict[Any, list[Row]]:
    """Rows by the value at position `key`, in the order read (rows without one left out)."""
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        value = row[key]
        if value is not None:
            found = grouped.get(value)
            if found is None:
                grouped[value] = [row]
            else:
                found.append(row)
    return grouped


class Memo(dict[K, V]):
    """A bounded cache of a pure function's results (emptied when full)."""

    def __init__(self, function: Callable[[K], V]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: K) -> V:
        if len(self) >= MEMO_ENTRIES:
            self.clear()
        value = self[key] = self.function(key)
        return value


def hours(rows: Sequence[tuple[str | None, Any, Any, Any]]) -> tuple[tuple[int, int], ...]:
    """Weekly opening spans of (byday, opens_at, closes_at, freq) schedule values (freq as
    stored: a ScheduleFrequency value or None)."""
    return intervals(
        WeeklyHours(byday, opens, closes, freq or None) for byday, opens, closes, freq in rows
    )


def version_of(stamps: Iterable[datetime]) -> int:
    """A document version: the latest change among its rows, in microseconds."""
    latest: datetime = max(stamps)
    return int(latest.timestamp() * 1_000_000)


def costs(
    amounts: Sequence[Decimal], tuition: Decimal | None, other_costs: Decimal | None
) -> tuple[bool, float | None]:
    """Whether a free option exists, and the lowest price (tuition + costs for programs).

    `amounts` are the service's cost options' amounts (None left out); `tuition` and
    `other_costs` its program facts' (None without facts).
    """
    prices = [float(a) for a in amounts]
    if tuition is not None and not prices:
        prices.append(float(tuition + (other_costs or Decimal(0))))
    if not prices:
        return False, None
    low = min(prices)
    return low == 0.0, low
