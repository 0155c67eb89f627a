"""Schedules (RRULE opening hours) of services, locations and service-at-locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.changelog import record_change, snapshot
from providers.editing import apply, get_or_404, validate_patch
from providers.models import Schedule
from providers.ownership import require_manage_owner
from providers.place_inputs import ScheduleInput

_FIELDS = tuple(ScheduleInput.model_fields)
_OWNERS = ("service_id", "location_id", "service_at_location_id")


def _owners(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {k: values.get(k) for k in _OWNERS}


async def create_schedule(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Schedule:
    """Add opening hours to a service, location or service-at-location."""
    actor.require_authenticated()
    values = validate_input(ScheduleInput, data).model_dump()
    org_id = await require_manage_owner(session, actor, _owners(values))
    now = clock.now()
    row = Schedule(**values, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="schedule",
        verb="created",
        row_id=row.id,
        before={},
        after=values,
        payload={"organization_id": org_id, **_owners(values)},
    )
    return row


async def update_schedule(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    schedule_id: str,
    changes: Mapping[str, Any],
) -> Schedule:
    """Change opening hours (the owner stays)."""
    actor.require_authenticated()
    row = await get_or_404(session, Schedule, schedule_id, "Schedule")
    before = snapshot(row, _FIELDS)
    org_id = await require_manage_owner(session, actor, _owners(before))
    after = validate_patch(ScheduleInput, before, changes, immutable=_OWNERS)
    apply(row, after, _FIELDS)
    row.updated_at = clock.now()
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="schedule",
        verb="updated",
        row_id=row.id,
        before=before,
        after=after,
        payload={"organization_id": org_id, **_owners(before)},
    )
    await session.flush()
    return row


async def delete_schedule(
    *, session: AsyncSession, actor: Principal, clock: Clock, schedule_id: str
) -> None:
    """Remove opening hours."""
    actor.require_authenticated()
    row = await get_or_404(session, Schedule, schedule_id, "Schedule")
    before = snapshot(row, _FIELDS)
    org_id = await require_manage_owner(session, actor, _owners(before))
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="schedule",
        verb="deleted",
        row_id=row.id,
        before=before,
        after={},
        payload={"organization_id": org_id, **_owners(before)},
    )
    await session.flush()
