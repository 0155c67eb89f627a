"""Listing health per organization: verification freshness, missing capacity, referrals past SLA.

Service counts describe organizations' public listings, not people, so they are shown as they
are. The number of referrals waiting past SLA is about clients and is suppressed like every
referral count. "Past SLA" means still `requested` after the SLA engine sent its reminder.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.identity.principal import Principal
from providers.models import Organization, Service, ServiceStatus
from referrals.analytics.refresh import run
from referrals.analytics.scope import Scope, resolve_scope
from referrals.analytics.suppression import Cell, Line, suppress
from referrals.models import Referral
from referrals.notifications.models import SlaNotice
from referrals.state_machine import ReferralStatus

_o: sa.Table = Organization.__table__  # type: ignore[attr-defined]
_svc: sa.Table = Service.__table__  # type: ignore[attr-defined]
_r: sa.Table = Referral.__table__  # type: ignore[attr-defined]
_n: sa.Table = SlaNotice.__table__  # type: ignore[attr-defined]
SIX_MONTHS = timedelta(days=183)
TWELVE_MONTHS = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class OrganizationHealth:
    """One organization's listing health."""

    organization_id: str
    organization_name: str
    services: int
    verified_6_months: int
    verified_12_months: int
    without_capacity_status: int
    referrals_past_sla: Cell
    has_referrals_past_sla: bool

    @property
    def verified_6_months_share(self) -> float | None:
        """Share of active services verified in the last 6 months."""
        return self.verified_6_months / self.services if self.services else None

    @property
    def verified_12_months_share(self) -> float | None:
        """Share of active services verified in the last 12 months."""
        return self.verified_12_months / self.services if self.services else None


@dataclass
class ListingHealth:
    """Every organization in scope, least verified first."""

    scope: Scope
    organizations: list[OrganizationHealth]
    referrals_past_sla_total: Cell


def _since(column: sa.ColumnElement[object], cutoff: object) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((column >= cutoff, 1), else_=0))


async def listing_health(
    *, session: AsyncSession, actor: Principal, clock: Clock, network_id: str | None = None
) -> ListingHealth:
    """Verification shares, listings without capacity status and overdue referrals per org."""
    scope = await resolve_scope(session=session, actor=actor, network_id=network_id)
    now = clock.now()
    services = (
        sa.select(
            _o.c.id,
            _o.c.name,
            sa.func.count(_svc.c.id),
            _since(_svc.c.last_verified_at, now - SIX_MONTHS),
            _since(_svc.c.last_verified_at, now - TWELVE_MONTHS),
            sa.func.sum(
                sa.case(
                    (sa.and_(_svc.c.id.is_not(None), _svc.c.capacity_status.is_(None)), 1), else_=0
                )
            ),
        )
        .select_from(
            _o.outerjoin(
                _svc,
                sa.and_(
                    _svc.c.organization_id == _o.c.id, _svc.c.status == ServiceStatus.ACTIVE.value
                ),
            )
        )
        .where(scope.organization_filter(_o.c.id))
        .group_by(_o.c.id, _o.c.name)
    )
    overdue = (
        sa.select(_r.c.receiver_organization_id, sa.func.count())
        .where(
            _r.c.status == ReferralStatus.REQUESTED.value,
            sa.exists().where(_n.c.referral_id == _r.c.id),
            scope.organization_filter(_r.c.receiver_organization_id),
        )
        .group_by(_r.c.receiver_organization_id)
    )
    late = {str(o): int(n) for o, n in (await run(session, overdue)).all()}
    rows = (await run(session, services)).all()
    values: dict[Hashable, int] = {str(r[0]): late.get(str(r[0]), 0) for r in rows}
    values["total"] = sum(late.values())
    lines = [Line("total", tuple(k for k in values if k != "total"), exact=True)]
    cells = suppress(values, lines)
    out = [
        OrganizationHealth(
            organization_id=str(r[0]),
            organization_name=str(r[1]),
            services=int(r[2] or 0),
            verified_6_months=int(r[3] or 0),
            verified_12_months=int(r[4] or 0),
            without_capacity_status=int(r[5] or 0),
            referrals_past_sla=cells[str(r[0])],
            has_referrals_past_sla=late.get(str(r[0]), 0) > 0,
        )
        for r in rows
    ]
    out.sort(key=lambda o: (o.verified_12_months_share or 0.0, o.organization_name))
    return ListingHealth(scope=scope, organizations=out, referrals_past_sla_total=cells["total"])
