"""Where a report's numbers come from: the rollup for whole months, the facts for the rest.

A date range [start, end) is split at UTC month boundaries: the whole months inside it are read
from the monthly rollup (a few rows per organization pair and month), the partial months at
either end from the fact table. Both give the same figures for the same referrals, so a report
adds counts across the parts and merges their durations before taking percentiles.

Each part is read once: one grouped query returns a group's counts and all of its durations
(packed arrays concatenated by the database for the rollup, a text list for the facts).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.analytics.dimensions import Dimension
from referrals.analytics.models import (
    NO_VALUE,
    ReferralCategoryRollup,
    ReferralFact,
    ReferralNeedRollup,
    ReferralPairRollup,
    ReferralRollup,
)
from referrals.analytics.need_categories import in_subtree, referral_categories
from referrals.analytics.percentiles import Values
from referrals.analytics.rollup import COUNTS, run, unpack
from referrals.analytics.scope import Scope
from referrals.models import ReferralNeed

_f: sa.Table = ReferralFact.__table__  # type: ignore[attr-defined]
_u: sa.Table = ReferralRollup.__table__  # type: ignore[attr-defined]
_pu: sa.Table = ReferralPairRollup.__table__  # type: ignore[attr-defined]
_nu: sa.Table = ReferralNeedRollup.__table__  # type: ignore[attr-defined]
_cu: sa.Table = ReferralCategoryRollup.__table__  # type: ignore[attr-defined]
_n: sa.Table = ReferralNeed.__table__  # type: ignore[attr-defined]


def _flag(column: ColumnElement[Any]) -> ColumnElement[int]:
    return sa.func.sum(sa.case((column, 1), else_=0))


def _equals(column: ColumnElement[Any], value: str) -> ColumnElement[int]:
    return sa.func.sum(sa.case((column == value, 1), else_=0))


# Count measures in column order, as SQL aggregates over fact rows; the rollup holds the same
# measures as columns of the same names, summed.
MEASURES: dict[str, ColumnElement[int]] = {
    "referrals": sa.func.count(),
    "viewed": _flag(_f.c.viewed),
    "accepted": _flag(_f.c.accepted),
    "completed": _flag(_f.c.completed),
    "closed_loop": _flag(_f.c.closed_loop),
    "sla_breached": _flag(_f.c.sla_breached),
    "client_got_help": _equals(_f.c.client_report, "got_help"),
    "client_could_not_reach": _equals(_f.c.client_report, "could_not_reach"),
    "client_no_longer_needed": _equals(_f.c.client_report, "no_longer_needed"),
    "rated": _flag(_f.c.client_helped.is_not(None)),
    "rated_helpful": _flag(_f.c.client_helped.is_(True)),
}
assert tuple(MEASURES) == COUNTS, "the rollup's count columns follow MEASURES"

Key = tuple[Any, ...]


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _next_month(moment: datetime) -> datetime:
    year, month = divmod(moment.year * 12 + moment.month, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class RangeParts:
    """Whole UTC months [first, stop) as YYYY-MM (None when none fit) and the leftover ranges."""

    start: datetime
    end: datetime
    months: tuple[str, str] | None
    edges: tuple[tuple[datetime, datetime], ...]


def split_range(start: datetime, end: datetime) -> RangeParts:
    """Split [start, end) into whole months and the partial months around them."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start if start == _month_start(start) else _next_month(start)
    stop = _month_start(end)
    if first >= stop:
        return RangeParts(start, end, None, ((start, end),))
    edges = tuple((a, b) for a, b in ((start, first), (stop, end)) if a < b)
    return RangeParts(start, end, (_month(first), _month(stop)), edges)


@dataclass(frozen=True, slots=True)
class Source:
    """One part of the population: a FROM/WHERE over a rollup table (None: the facts).

    `categories` is the (referral, category) subquery the facts are joined with, if any.
    """

    base: sa.Select[Any]
    rollup: sa.Table | None
    categories: sa.Subquery | None = None

    def column(self, dimension: Dimension) -> ColumnElement[Any]:
        """The column a dimension groups by in this source."""
        if self.rollup is not None:
            c = self.rollup.c
            if dimension == Dimension.OUTCOME:
                return sa.func.nullif(c.outcome, NO_VALUE)
            # Only the need rollup has `need`, the category one `category`, only the main one
            # `status` (see sources()).
            name = {
                Dimension.SENDER: "sender_organization_id",
                Dimension.RECEIVER: "receiver_organization_id",
                Dimension.NEED: "need",
                Dimension.NEED_CATEGORY: "category",
                Dimension.STATUS: "status",
                Dimension.MONTH: "sent_month",
            }[dimension]
            column: ColumnElement[Any] = c[name]
            return column
        if dimension == Dimension.NEED_CATEGORY and self.categories is not None:
            category: ColumnElement[Any] = self.categories.c.category
            return category
        return {
            Dimension.SENDER: _f.c.sender_organization_id,
            Dimension.RECEIVER: _f.c.receiver_organization_id,
            Dimension.NEED: _n.c.need_code,
            Dimension.STATUS: _f.c.status,
            Dimension.OUTCOME: _f.c.outcome,
            Dimension.MONTH: _f.c.sent_month,
        }[dimension]

    def measures(self) -> list[ColumnElement[Any]]:
        """The count aggregates, in MEASURES order."""
        if self.rollup is not None:
            return [sa.func.sum(self.rollup.c[name]).label(name) for name in MEASURES]
        return [m.label(name) for name, m in MEASURES.items()]

    def month(self) -> ColumnElement[str]:
        """The sending month column."""
        return (self.rollup if self.rollup is not None else _f).c.sent_month

    def durations(self) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """The first-action and closure duration columns."""
        c = (self.rollup if self.rollup is not None else _f).c
        return c.first_action_seconds, c.close_seconds

    def reason(self) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """The status and reason code columns."""
        c = (self.rollup if self.rollup is not None else _f).c
        return c.status, c.reason_code


# What the pair rollup can group by: its key holds nothing finer than the block.
_PAIR_DIMENSIONS = {Dimension.SENDER, Dimension.RECEIVER, Dimension.MONTH}


def sources(
    parts: RangeParts,
    scope: Scope,
    dimensions: Sequence[Dimension],
    *,
    reasons: bool = False,
    category: str | None = None,
) -> list[Source]:
    """The rollup (whole months) and fact (partial months) parts of a report's population.

    Whole months come from the coarsest rollup that holds the grouping's columns (and the
    reason codes when `reasons`). With `category`, only referrals with a need in that
    top-level need's subtree (and, grouped by need, only the subtree's needs).
    """
    with_needs = Dimension.NEED in dimensions
    with_categories = not with_needs and (
        Dimension.NEED_CATEGORY in dimensions or category is not None
    )
    # The need and category rollups have no status, outcome or reason: such reports read the
    # facts throughout.
    finer = (with_needs or with_categories) and (
        bool({Dimension.STATUS, Dimension.OUTCOME} & set(dimensions)) or reasons
    )
    out: list[Source] = []
    edges = parts.edges
    if parts.months is not None and finer:
        edges = ((parts.start, parts.end),)
    elif parts.months is not None:
        if with_needs:
            table = _nu
        elif with_categories:
            table = _cu
        elif not reasons and set(dimensions) <= _PAIR_DIMENSIONS:
            table = _pu
        else:
            table = _u
        base = (
            sa.select(sa.literal(1))
            .select_from(table)
            .where(
                table.c.sent_month >= parts.months[0],
                table.c.sent_month < parts.months[1],
                scope.referral_filter(
                    table.c.sender_organization_id, table.c.receiver_organization_id
                ),
            )
        )
        if category is not None and with_needs:
            base = base.where(in_subtree(table.c.need, category))
        elif category is not None:
            base = base.where(table.c.category == category)
        out.append(Source(base, table))
    for start, end in edges:
        facts = (
            _f.c.sent_at >= start,
            _f.c.sent_at < end,
            scope.referral_filter(_f.c.sender_organization_id, _f.c.receiver_organization_id),
        )
        base = sa.select(sa.literal(1)).select_from(_f)
        subquery = None
        if with_needs:
            base = base.select_from(_f.join(_n, _n.c.referral_id == _f.c.referral_id))
            if category is not None:
                base = base.where(in_subtree(_n.c.need_code, category))
        elif with_categories:
            subquery = referral_categories(facts, category)
            base = base.select_from(_f.join(subquery, subquery.c.referral_id == _f.c.referral_id))
        base = base.where(*facts)
        out.append(Source(base, None, subquery))
    return out


class Group:
    """One group's count measures (MEASURES order) and its durations, gathered over parts."""

    __slots__ = ("close", "counts", "first")

    def __init__(self) -> None:
        self.counts = [0] * len(MEASURES)
        self.first: list[Values] = []
        self.close: list[Values] = []

    @classmethod
    def merged(cls, groups: Iterable[Group]) -> Group:
        """The union of groups that partition a population."""
        whole = cls()
        for group in groups:
            for i, count in enumerate(group.counts):
                whole.counts[i] += count
            whole.first.extend(group.first)
            whole.close.extend(group.close)
        return whole


def _packed_concat(session: AsyncSession, packed: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL aggregate concatenating packed duration arrays (their order does not matter)."""
    if _dialect(session) == "postgresql":
        return sa.func.string_agg(packed, sa.literal(b"", sa.LargeBinary))
    # SQLite's group_concat copies a blob's bytes unchanged in a UTF-8 database (the only
    # encoding the hub creates); the cast hands them back as a blob, not as text.
    return sa.cast(sa.func.group_concat(packed, ""), sa.LargeBinary)


def _text_concat(session: AsyncSession, seconds: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL aggregate listing integer seconds as comma-separated text (NULLs left out)."""
    if _dialect(session) == "postgresql":
        return sa.func.string_agg(sa.cast(seconds, sa.Text), ",")
    return sa.func.group_concat(seconds, ",")


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


def _decode(value: Any, packed: bool) -> Values | None:
    if not value:
        return None
    if packed:
        return unpack(bytes(value))
    return np.fromstring(str(value), dtype=np.int64, sep=",")


async def gather(
    session: AsyncSession, parts: Sequence[Source], dimensions: Sequence[Dimension]
) -> dict[Key, Group]:
    """Counts and durations per group key (in first-seen order), over all the parts.

    Without dimensions there is exactly one group, `()`, even when no referral matched.
    """
    found: dict[Key, Group] = {} if dimensions else {(): Group()}
    k = len(dimensions)
    for part in parts:
        groups = [part.column(d) for d in dimensions]
        first, close = part.durations()
        packed = part.rollup is not None
        concat = _packed_concat if packed else _text_concat
        select = part.base.with_only_columns(
            *groups, *part.measures(), concat(session, first), concat(session, close)
        )
        if groups:
            select = select.group_by(*groups)
        for row in (await run(session, select)).all():
            key = tuple(row[:k])
            group = found.get(key)
            if group is None:
                group = found[key] = Group()
            counts = group.counts
            for i in range(len(MEASURES)):
                counts[i] += int(row[k + i] or 0)
            for values, value in (
                (group.first, row[-2]),
                (group.close, row[-1]),
            ):
                decoded = _decode(value, packed)
                if decoded is not None:
                    values.append(decoded)
    return found


async def reason_counts(session: AsyncSession, parts: Sequence[Source]) -> dict[Hashable, int]:
    """Rejected and failed referrals per (status, reason code), summed over the parts."""
    found: dict[Hashable, int] = {}
    for part in parts:
        status, code = part.reason()
        rollup = part.rollup is not None
        count = sa.func.sum(_u.c.referrals) if rollup else sa.func.count()
        given = code != NO_VALUE if rollup else code.is_not(None)
        select = part.base.with_only_columns(status, code, count).where(given)
        for s, c, n in (await run(session, select.group_by(status, code))).all():
            found[(str(s), str(c))] = found.get((str(s), str(c)), 0) + int(n or 0)
    return found


async def grouped_counts_only(
    session: AsyncSession, parts: Sequence[Source], dimensions: Sequence[Dimension], name: str
) -> dict[Key, int]:
    """One count measure per group key, summed over the parts."""
    found: dict[Key, int] = {}
    k = len(dimensions)
    for part in parts:
        groups = [part.column(d) for d in dimensions]
        measure = part.measures()[list(MEASURES).index(name)]
        select = part.base.with_only_columns(*groups, measure).group_by(*groups)
        for row in (await run(session, select)).all():
            key = tuple(row[:k])
            found[key] = found.get(key, 0) + int(row[k] or 0)
    return found
