"""The network report: referral counts, funnel, closed loop, times and client feedback, grouped.

Population: referrals SENT in [start, end) whose sender or receiver is in scope, minus those
entered in error. A referral with several needs counts once per need in `need` groups (so need
rows do not add up to the total, and are not used to derive one another).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.identity.principal import Principal
from referrals.analytics.dimensions import Dimension, GroupValue
from referrals.analytics.labels import Labeler
from referrals.analytics.models import ReferralFact
from referrals.analytics.percentiles import percentile_select
from referrals.analytics.refresh import ensure_fresh, run
from referrals.analytics.scope import Scope, resolve_scope
from referrals.analytics.suppression import THRESHOLD, Cell, Line, rate, suppress
from referrals.models import ReferralNeed

_f: sa.Table = ReferralFact.__table__  # type: ignore[attr-defined]
_n: sa.Table = ReferralNeed.__table__  # type: ignore[attr-defined]
MAX_RANGE_DAYS = 3700


def _column(dimension: Dimension) -> ColumnElement[Any]:
    return {
        Dimension.SENDER: _f.c.sender_organization_id,
        Dimension.RECEIVER: _f.c.receiver_organization_id,
        Dimension.NEED: _n.c.need_code,
        Dimension.STATUS: _f.c.status,
        Dimension.OUTCOME: _f.c.outcome,
        Dimension.MONTH: _f.c.sent_month,
    }[dimension]


def _flag(column: ColumnElement[Any]) -> ColumnElement[int]:
    return sa.func.sum(sa.case((column, 1), else_=0))


def _equals(column: ColumnElement[Any], value: str) -> ColumnElement[int]:
    return sa.func.sum(sa.case((column == value, 1), else_=0))


# Count measures in column order; each is an SQL aggregate over fact rows.
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
    """What to report: a date range of sending, the grouping, optionally one network."""

    start: datetime
    end: datetime
    group_by: tuple[Dimension, ...] = ()
    network_id: str | None = None

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


def _source(query: ReportQuery, scope: Scope, with_needs: bool) -> sa.Select[Any]:
    source = sa.select(sa.literal(1)).select_from(_f)
    if with_needs:
        source = source.select_from(_f.join(_n, _n.c.referral_id == _f.c.referral_id))
    return source.where(
        _f.c.sent_at >= query.start,
        _f.c.sent_at < query.end,
        scope.referral_filter(_f.c.sender_organization_id, _f.c.receiver_organization_id),
    )


def _timing(found: tuple[Any, ...] | None) -> Timing:
    if found is None or found[2] is None or int(found[2]) < THRESHOLD:
        return Timing(None, None, True)
    return Timing(round(found[0] / 3600, 2), round(found[1] / 3600, 2), False)


Timings = dict[tuple[Any, ...], tuple[Timing, Timing]]


async def _timings(
    session: AsyncSession, source: sa.Select[Any], groups: Sequence[ColumnElement[Any]]
) -> tuple[Timings, tuple[Timing, Timing]]:
    """(first action, closure) timings per group key, and over the whole population."""
    select = percentile_select(source, [_f.c.first_action_seconds, _f.c.close_seconds], groups)
    k = len(groups)
    per_group: Timings = {}
    total: list[Any] = [None] * 6
    for row in (await run(session, select)).all():
        per_group[tuple(row[:k])] = (
            _timing(tuple(row[k : k + 3])),
            _timing(tuple(row[k + 3 : k + 6])),
        )
        # The all-rows figures appear in one row only; NULL elsewhere.
        total = [t if t is not None else x for t, x in zip(total, row[k + 6 : k + 12], strict=True)]
    return per_group, (_timing(tuple(total[:3])), _timing(tuple(total[3:])))


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


async def _reasons(session: AsyncSession, source: sa.Select[Any]) -> list[ReasonRow]:
    select = (
        source.with_only_columns(_f.c.status, _f.c.reason_code, sa.func.count())
        .where(_f.c.reason_code.is_not(None))
        .group_by(_f.c.status, _f.c.reason_code)
    )
    rows = [(str(s), str(c), int(n)) for s, c, n in (await run(session, select)).all()]
    values: dict[Hashable, int] = {(s, c): n for s, c, n in rows}
    lines = []
    for status in sorted({s for s, _, _ in rows}):
        values[(status, "all")] = sum(n for s, _, n in rows if s == status)
        parts = tuple((s, c) for s, c, _ in rows if s == status)
        lines.append(Line((status, "all"), parts, exact=True))
    cells = suppress(values, lines)
    return [
        ReasonRow(status=str(k[0]), reason_code=str(k[1]), count=cell)  # type: ignore[index]
        for k, cell in sorted(cells.items(), key=lambda item: repr(item[0]))
    ]


async def network_report(
    *, session: AsyncSession, actor: Principal, clock: Clock, query: ReportQuery
) -> NetworkReport:
    """Build the suppressed network report an auditor or hub admin asked for."""
    query.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    await ensure_fresh(session=session, clock=clock)
    with_needs = Dimension.NEED in query.group_by
    groups = [_column(d) for d in query.group_by]
    source = _source(query, scope, with_needs)
    measures = [m.label(name) for name, m in MEASURES.items()]
    grouped = source.with_only_columns(*groups, *measures).group_by(*groups)
    k = len(groups)
    rows = (await run(session, grouped)).all() if groups else []
    plain = _source(query, scope, with_needs=False)
    if rows and not with_needs:
        # Groups partition the population: the total is their sum, no second scan.
        total = [sum(int(r[k + i] or 0) for r in rows) for i in range(len(MEASURES))]
    else:
        total = list((await run(session, plain.with_only_columns(*measures))).one())
    values: dict[Hashable, int] = {}
    keys: list[tuple[Any, ...]] = []
    for row in rows:
        key = tuple(row[:k])
        keys.append(key)
        for i, name in enumerate(MEASURES):
            values[(key, name)] = int(row[k + i] or 0)
    for i, name in enumerate(MEASURES):
        values[("total", name)] = int(total[i] or 0)
    lines = _lines([*keys, "total"], column_lines=bool(groups) and not with_needs)
    cells = suppress(values, lines)
    timings, (first_total, close_total) = await _timings(
        session, source if not with_needs else plain, groups if not with_needs else []
    )
    if with_needs:
        timings = (await _timings(session, source, groups))[0]
    labeler = Labeler(session)
    await labeler.prefetch(query.group_by, keys)
    out: list[ReportRow] = []
    for key in keys:
        group = await labeler.group(query.group_by, key)
        out.append(
            ReportRow(
                group=group,
                counts={name: cells[(key, name)] for name in MEASURES},
                first_action=timings.get(key, (HIDDEN, HIDDEN))[0],
                closure=timings.get(key, (HIDDEN, HIDDEN))[1],
            )
        )
    out.sort(key=lambda r: tuple((g.label, g.value or "") for g in r.group))
    total_row = ReportRow(
        group=(),
        counts={name: cells[("total", name)] for name in MEASURES},
        first_action=first_total,
        closure=close_total,
    )
    reasons = await _reasons(session, plain)
    return NetworkReport(query=query, scope=scope, rows=out, total=total_row, reasons=reasons)
