"""Unmet demand ("service deserts"): need x ZIP where searches found nothing within their radius.

From the anonymous search log. A search is *unmet* when it returned no result within its
radius (`result_count` counts only services within the radius); *unmet with capacity* when it
also asked only for services with capacity or accepting referrals and still found none.
Searches without a need code or without a ZIP are left out. A search naming several needs
counts once for each. Auditors see the searches made in the states where their network's
organizations have addresses (the log keeps ZIP and state, never who searched).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.principal import Principal
from providers.geocoding.gazetteer import load_gazetteer
from providers.models import Address, Location
from referrals.analytics.labels import Labeler
from referrals.analytics.refresh import dialect_of, run
from referrals.analytics.report import ReportQuery
from referrals.analytics.scope import Scope, resolve_scope
from referrals.analytics.suppression import Cell, Line, suppress
from search.log import SearchLog

_s: sa.Table = SearchLog.__table__  # type: ignore[attr-defined]
CAPACITY_FILTERS = ("capacity", "accepting_referrals")


@dataclass(frozen=True, slots=True)
class DemandRow:
    """Searches for one need around one ZIP."""

    need_code: str
    need_label: str
    postal_code: str
    searches: Cell
    unmet: Cell
    unmet_with_capacity: Cell
    # The ZIP code's centroid (offline gazetteer), to place the row on a map; None if unknown.
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class UnmetDemand:
    """Ranked rows: most unmet searches first (suppressed rows last)."""

    scope: Scope
    rows: list[DemandRow]


async def network_states(session: AsyncSession, scope: Scope) -> list[str] | None:
    """Upper-case states of the scope's organizations' addresses (None for every state)."""
    if scope.organization_ids is None:
        return None
    found = await session.exec(
        select(Address.state_province)
        .join(Location, col(Location.id) == col(Address.location_id))
        .where(col(Location.organization_id).in_(sorted(scope.organization_ids)))
        .distinct()
    )
    return sorted({s.strip().upper() for s in found.all() if s and s.strip()})


def _needs_table(dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.func.json_array_elements_text(_s.c.need_codes).table_valued("value").lateral()
    return sa.func.json_each(_s.c.need_codes).table_valued("value")


def _has_filter(names: tuple[str, ...]) -> sa.ColumnElement[bool]:
    # Filter names are plain identifiers, so a text match on the JSON array is exact enough.
    text = sa.cast(_s.c.filters, sa.Text)
    return sa.or_(*(text.contains(f'"{n}"') for n in names))


async def unmet_demand(
    *, session: AsyncSession, actor: Principal, query: ReportQuery, limit: int = 100
) -> UnmetDemand:
    """Need x ZIP cells ranked by searches that found no service within their radius."""
    query.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    dialect = dialect_of(session)
    needs = _needs_table(dialect)
    need = sa.cast(needs.c.value, sa.String)
    unmet = _s.c.result_count == 0
    stmt = (
        sa.select(
            need,
            _s.c.postal_code,
            sa.func.count(),
            sa.func.sum(sa.case((unmet, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(unmet, _has_filter(CAPACITY_FILTERS)), 1), else_=0)),
        )
        .select_from(_s)
        .join(needs, sa.true())
        .where(
            _s.c.created_at >= query.start,
            _s.c.created_at < query.end,
            _s.c.postal_code.is_not(None),
        )
        .group_by(need, _s.c.postal_code)
    )
    states = await network_states(session, scope)
    if states is not None:
        stmt = stmt.where(sa.func.upper(_s.c.state).in_(states))
    rows = [
        (str(n), str(z), int(c), int(u or 0), int(k or 0))
        for n, z, c, u, k in (await run(session, stmt)).all()
    ]
    values: dict[Hashable, int] = {}
    lines: list[Line] = []
    for n, z, c, u, k in rows:
        values.update({(n, z, "searches"): c, (n, z, "unmet"): u, (n, z, "capacity"): k})
        lines.append(Line((n, z, "searches"), ((n, z, "unmet"),)))
        lines.append(Line((n, z, "unmet"), ((n, z, "capacity"),)))
    cells = suppress(values, lines)
    labeler = Labeler(session)
    places = load_gazetteer()
    centres: dict[str, tuple[float | None, float | None]] = {}
    for _, z, _, _, _ in rows:
        place = places.zip(z)
        centres[z] = (place.latitude, place.longitude) if place else (None, None)
    out = [
        DemandRow(
            need_code=n,
            need_label=await labeler.label_need(n),
            postal_code=z,
            searches=cells[(n, z, "searches")],
            unmet=cells[(n, z, "unmet")],
            unmet_with_capacity=cells[(n, z, "capacity")],
            latitude=centres[z][0],
            longitude=centres[z][1],
        )
        for n, z, _, _, _ in rows
    ]
    # Rank on published figures only, so the order of hidden cells tells nothing.
    out.sort(key=lambda r: (r.unmet.suppressed, -(r.unmet.value or 0), r.need_code, r.postal_code))
    return UnmetDemand(scope=scope, rows=out[:limit])
