"""Schedules (RRULE opening hours) of services, locations and service-at-locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.identity.principal import Principal
from providers.models import Schedule
from providers.owned_rows import OwnedRows
from providers.place_inputs import ScheduleInput

_ROWS = OwnedRows(
    model=Schedule,
    input_model=ScheduleInput,
    owners=("service_id", "location_id", "service_at_location_id"),
    aggregate="schedule",
    label="Schedule",
)


async def create_schedule(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Schedule:
    """Add opening hours to a service, location or service-at-location."""
    return await _ROWS.create(session=session, actor=actor, clock=clock, data=data)


async def update_schedule(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    schedule_id: str,
    changes: Mapping[str, Any],
) -> Schedule:
    """Change opening hours (the owner stays)."""
    return await _ROWS.update(
        session=session, actor=actor, clock=clock, row_id=schedule_id, changes=changes
    )


async def delete_schedule(
    *, session: AsyncSession, actor: Principal, clock: Clock, schedule_id: str
) -> None:
    """Remove opening hours."""
    await _ROWS.delete(session=session, actor=actor, clock=clock, row_id=schedule_id)
