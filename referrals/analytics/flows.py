"""The flow matrix: how many referrals each organization sent to each other one."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.identity.principal import Principal
from referrals.analytics.dimensions import Dimension
from referrals.analytics.labels import Labeler
from referrals.analytics.refresh import ensure_fresh
from referrals.analytics.report import ReportQuery
from referrals.analytics.scope import Scope, resolve_scope
from referrals.analytics.sources import grouped_counts_only, sources, split_range
from referrals.analytics.suppression import Cell, Line, suppress


@dataclass(frozen=True, slots=True)
class FlowCell:
    """Referrals from one organization to another."""

    sender_id: str
    sender_name: str
    receiver_id: str
    receiver_name: str
    count: Cell


@dataclass(frozen=True, slots=True)
class FlowTotal:
    """An organization's total sent (or received) referrals."""

    organization_id: str
    organization_name: str
    count: Cell


@dataclass
class FlowMatrix:
    """Cells with row (sent) and column (received) totals and the grand total."""

    scope: Scope
    cells: list[FlowCell]
    sent: list[FlowTotal]
    received: list[FlowTotal]
    total: Cell


def flow_lines(pairs: list[tuple[str, str]]) -> list[Line]:
    """Row, column and grand-total lines of a sparse matrix keyed ("cell", s, r) / ("sent", s)."""
    senders = sorted({s for s, _ in pairs})
    receivers = sorted({r for _, r in pairs})
    lines = [
        Line(("sent", s), tuple(("cell", s, r) for s2, r in pairs if s2 == s), exact=True)
        for s in senders
    ]
    lines += [
        Line(("received", r), tuple(("cell", s, r) for s, r2 in pairs if r2 == r), exact=True)
        for r in receivers
    ]
    lines.append(Line(("total",), tuple(("sent", s) for s in senders), exact=True))
    lines.append(Line(("total",), tuple(("received", r) for r in receivers), exact=True))
    return lines


async def flow_matrix(
    *, session: AsyncSession, actor: Principal, clock: Clock, query: ReportQuery
) -> FlowMatrix:
    """Organization-to-organization referral counts, suppressed with their totals."""
    query.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    await ensure_fresh(session=session, clock=clock)
    # Whole months from the rollup, partial ones from the facts (see sources.py).
    dimensions = (Dimension.SENDER, Dimension.RECEIVER)
    parts = sources(split_range(query.start, query.end), scope, dimensions)
    pairs = await grouped_counts_only(session, parts, dimensions, "referrals")
    rows = [(str(k[0]), str(k[1]), n) for k, n in pairs.items()]
    values: dict[Hashable, int] = {("cell", s, r): n for s, r, n in rows}
    for s, _, n in rows:
        values[("sent", s)] = values.get(("sent", s), 0) + n
    for _, r, n in rows:
        values[("received", r)] = values.get(("received", r), 0) + n
    values[("total",)] = sum(n for _, _, n in rows)
    cells = suppress(values, flow_lines([(s, r) for s, r, _ in rows]))
    names = await Labeler(session).organizations([x for s, r, _ in rows for x in (s, r)])
    return FlowMatrix(
        scope=scope,
        cells=sorted(
            (FlowCell(s, names[s], r, names[r], cells[("cell", s, r)]) for s, r, _ in rows),
            key=lambda c: (c.sender_name, c.receiver_name),
        ),
        sent=sorted(
            (FlowTotal(k[1], names[k[1]], c) for k, c in cells.items() if k[0] == "sent"),  # type: ignore[index]
            key=lambda t: t.organization_name,
        ),
        received=sorted(
            (FlowTotal(k[1], names[k[1]], c) for k, c in cells.items() if k[0] == "received"),  # type: ignore[index]
            key=lambda t: t.organization_name,
        ),
        total=cells[("total",)],
    )
