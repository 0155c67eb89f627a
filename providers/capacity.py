"""A service's intake capacity: its Gravity capacity status and available/maximum places."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Conflict
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import record_change, snapshot
from providers.editing import get_or_404
from providers.inputs import CapacityInput
from providers.models import Service, ServiceCapacity

_CAPACITY_FIELDS = ("available", "maximum", "description")


async def update_service_capacity(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    service_id: str,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Service:
    """Set a service's capacity status and, when given, its available and maximum places."""
    actor.require_authenticated()
    checked = validate_input(CapacityInput, data)
    service = await get_or_404(session, Service, service_id, "Service")
    require_manage(actor, service.organization_id)
    if expected_version is not None and expected_version != service.version:
        raise Conflict("Service", service.id, expected_version, service.version)
    now = clock.now()
    before: dict[str, Any] = {"capacity_status": service.capacity_status}
    after: dict[str, Any] = {"capacity_status": checked.capacity_status}
    service.capacity_status = checked.capacity_status
    if checked.available is not None:
        found = await session.exec(
            select(ServiceCapacity).where(
                col(ServiceCapacity.service_id) == service.id,
                col(ServiceCapacity.unit) == checked.unit,
            )
        )
        row = found.first()
        if row is None:
            row = ServiceCapacity(
                service_id=service.id, unit=checked.unit, available=0, created_at=now
            )
        else:
            before |= {f"{checked.unit}.{k}": v for k, v in snapshot(row, _CAPACITY_FIELDS).items()}
        row.available = checked.available
        row.maximum = checked.maximum
        row.description = checked.description
        row.updated = now
        row.updated_at = now
        session.add(row)
        after |= {f"{checked.unit}.{k}": getattr(row, k) for k in _CAPACITY_FIELDS}
    service.version += 1
    service.updated_at = now
    session.add(service)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service",
        verb="updated",
        row_id=service.id,
        before=before,
        after=after,
        payload={"organization_id": service.organization_id, "capacity": True},
        version=service.version,
    )
    await session.flush()
    return service
