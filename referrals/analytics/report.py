"""The network report: referral counts, funnel, closed loop, times and client feedback, grouped.

Population: referrals SENT in [start, end) whose sender or receiver is in scope, minus those
entered in error. A referral with several needs counts once per need in `need` groups (so need
rows do not add up to the total, and are not used to derive one another), and once per top-level
need in `need_category` groups (see need_categories.py). With `need_category` the population is
the referrals with a need in that category, and need groups are the category's own needs (the
drill-down).

Whole months come from the monthly rollup and partial months from the fact table (sources.py);
counts are summed and durations merged before suppression and percentiles, so the split never
shows in the figures.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.identity.principal import Principal
from referrals.analytics.dimensions import Dimension, GroupValue
from referrals.analytics.labels import Labeler
from referrals.analytics.need_categories import check_category
from referrals.analytics.percentiles import Values, nearest_ranks
from referrals.analytics.refresh import ensure_fresh
from referrals.analytics.scope import Scope, resolve_scope
from referrals.analytics.sources import MEASURES as MEASURES
from referrals.analytics.sources import Group, Source, gather, reason_counts, sources, split_range
from referrals.analytics.suppression import (
    THRESHOLD,
    Cell,
    Line,
    rate,
    suppress,
    without_cycle_collection,
)

MAX_RANGE_DAYS = 3700

# Lines inside one row: total, parts, exact (see suppression.py).
ROW_LINES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("referrals", ("viewed",), False),
    ("viewed", ("accepted",), False),
    ("accepted", ("completed",), False),
    ("closed_loop", ("completed",), False),
    ("referrals", ("closed_loop",), False),
    ("referrals", ("sla_breached",), False),
    ("referrals", ("client_got_help", "client_could_not_reach", "client_no_longer_needed"), False),
    ("referrals", ("rated",), False),
    ("rated", ("rated_helpful",), False),
)


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What to report: a date range of sending, the grouping, optionally one network and one
    top-level need category."""

    start: datetime
    end: datetime
    group_by: tuple[Dimension, ...] = ()
    network_id: str | None = None
    need_category: str | None = None

    def validate(self) -> None:
        """Refuse empty or absurd ranges and repeated dimensions."""
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationFailed.single("from", ErrorCode.INVALID, "Give times with a timezone.")
        if self.end <= self.start:
            raise ValidationFailed.single("to", ErrorCode.INVALID, "`to` must be after `from`.")
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise ValidationFailed.single("to", ErrorCode.INVALID, "Ask for at most ten years.")
        if len(set(self.group_by)) != len(self.group_by):
            raise ValidationFailed.single("groupBy", ErrorCode.DUPLICATE, "Name each once.")
        if self.need_category is not None:
            check_category(self.need_category)


@dataclass(frozen=True, slots=True)
class Timing:
    """Median and p90 hours of a duration, hidden when fewer than the threshold were measured."""

    median_hours: float | None
    p90_hours: float | None
    suppressed: bool


HIDDEN = Timing(None, None, True)


@dataclass
class ReportRow:
    """One group (or the total): suppressed counts, derived rates and timings."""

    group: tuple[GroupValue, ...]
    counts: dict[str, Cell] = field(default_factory=dict)
    first_action: Timing = Timing(None, None, True)
    closure: Timing = Timing(None, None, True)

    @property
    def closed_loop_rate(self) -> float | None:
        """Share of sent referrals closed with an outcome."""
        return rate(self.counts["closed_loop"], self.counts["referrals"])

    @property
    def helpful_rate(self) -> float | None:
        """Share of client ratings that said the service helped."""
        return rate(self.counts["rated_helpful"], self.counts["rated"])


@dataclass(frozen=True, slots=True)
class ReasonRow:
    """How many rejected or failed referrals gave one reason code."""

    status: str
    reason_code: str
    count: Cell


@dataclass
class NetworkReport:
    """The whole report."""

    query: ReportQuery
    scope: Scope
    rows: list[ReportRow]
    total: ReportRow
    reasons: list[ReasonRow]


def _timing(chunks: Sequence[Values]) -> Timing:
    n, median, p90 = nearest_ranks(chunks)
    if n < THRESHOLD or median is None or p90 is None:
        return HIDDEN
    return Timing(round(median / 3600, 2), round(p90 / 3600, 2), False)


def _timings(group: Group) -> tuple[Timing, Timing]:
    """(first action, closure) timings of one group."""
    return _timing(group.first), _timing(group.close)


def _lines(keys: Sequence[Hashable], column_lines: bool) -> list[Line]:
    lines = [
        Line((key, total), tuple((key, p) for p in parts), exact)
        for key in keys
        for total, parts, exact in ROW_LINES
    ]
    if column_lines:
        groups = [k for k in keys if k != "total"]
        for measure in MEASURES:
            lines.append(Line(("total", measure), tuple((g, measure) for g in groups), exact=True))
    return lines


async def _reasons(session: AsyncSession, parts: Sequence[Source]) -> list[ReasonRow]:
    values = await reason_counts(session, parts)
    rows = [(str(k[0]), str(k[1]), n) for k, n in values.items()]  # type: ignore[index]
    lines = []
    for status in sorted({s for s, _, _ in rows}):
        values[(status, "all")] = sum(n for s, _, n in rows if s == status)
        parts_ = tuple((s, c) for s, c, _ in rows if s == status)
        lines.append(Line((status, "all"), parts_, exact=True))
    cells = suppress(values, lines)
    return [
        ReasonRow(status=str(k[0]), reason_code=str(k[1]), count=cell)  # type: ignore[index]
        for k, cell in sorted(cells.items(), key=lambda item: repr(item[0]))
    ]


async def network_report(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    query: ReportQuery,
    with_reasons: bool = True,
) -> NetworkReport:
    """Build the suppressed network report an auditor or hub admin asked for.

    `with_reasons=False` leaves `reasons` empty, for callers that do not show them (a need
    category's reasons are read from the facts, the slowest part of its report).
    """
    query.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    await ensure_fresh(session=session, clock=clock)
    # A referral with several needs is in several need (or category) groups.
    with_needs = bool({Dimension.NEED, Dimension.NEED_CATEGORY} & set(query.group_by))
    category = query.need_category
    split = split_range(query.start, query.end)
    parts = sources(split, scope, query.group_by, category=category)
    found = await gather(session, parts, query.group_by)
    if with_needs:
        # Groups overlap: the total is read apart.
        whole = (await gather(session, sources(split, scope, (), category=category), ()))[()]
    else:
        # Groups partition the population: the total is their union, no second scan.
        whole = Group.merged(found.values())
    values: dict[Hashable, int] = {}
    keys = list(found) if query.group_by else []
    for key in keys:
        for name, count in zip(MEASURES, found[key].counts, strict=True):
            values[(key, name)] = count
    for name, count in zip(MEASURES, whole.counts, strict=True):
        values[("total", name)] = count
    with without_cycle_collection():
        lines = _lines([*keys, "total"], column_lines=bool(query.group_by) and not with_needs)
        cells = suppress(values, lines)
    labeler = Labeler(session)
    await labeler.prefetch(query.group_by, keys)
    out: list[ReportRow] = []
    for key in keys:
        first_action, closure = _timings(found[key])
        out.append(
            ReportRow(
                group=await labeler.group(query.group_by, key),
                counts={name: cells[(key, name)] for name in MEASURES},
                first_action=first_action,
                closure=closure,
            )
        )
    out.sort(key=lambda r: tuple((g.label, g.value or "") for g in r.group))
    first_total, close_total = _timings(whole)
    total_row = ReportRow(
        group=(),
        counts={name: cells[("total", name)] for name in MEASURES},
        first_action=first_total,
        closure=close_total,
    )
    reasons = (
        await _reasons(session, sources(split, scope, (), reasons=True, category=category))
        if with_reasons
        else []
    )
    return NetworkReport(query=query, scope=scope, rows=out, total=total_row, reasons=reasons)
