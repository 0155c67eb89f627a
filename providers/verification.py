"""Listing verification: "mark verified" (who confirmed a service's details, when) and staleness."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Conflict
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import record_change, who
from providers.editing import get_or_404
from providers.models import Service


def is_stale(last_verified_at: datetime | None, *, now: datetime, stale_after_days: int) -> bool:
    """True when a listing was never verified or not within `stale_after_days`."""
    if last_verified_at is None:
        return True
    return now - last_verified_at > timedelta(days=stale_after_days)


async def mark_service_verified(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    service_id: str,
    expected_version: int | None = None,
) -> Service:
    """Record that the service's details were confirmed today (metadata rows and an event)."""
    actor.require_authenticated()
    row = await get_or_404(session, Service, service_id, "Service")
    require_manage(actor, row.organization_id)
    if expected_version is not None and expected_version != row.version:
        raise Conflict("Service", row.id, expected_version, row.version)
    now = clock.now()
    before = {"last_verified_at": row.last_verified_at, "last_verified_by": row.last_verified_by}
    row.last_verified_at = now
    row.last_verified_by = who(actor)[:255]
    row.version += 1
    row.updated_at = now
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service",
        verb="updated",
        row_id=row.id,
        before=before,
        after={"last_verified_at": now, "last_verified_by": row.last_verified_by},
        payload={"organization_id": row.organization_id, "verified": True},
        version=row.version,
    )
    await session.flush()
    return row
