"""Phone numbers of organizations, services, locations and service-at-locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.identity.principal import Principal
from providers.models import Phone
from providers.owned_rows import OwnedRows
from providers.place_inputs import PhoneInput

_ROWS = OwnedRows(
    model=Phone,
    input_model=PhoneInput,
    owners=("organization_id", "service_id", "location_id", "service_at_location_id"),
    aggregate="phone",
    label="Phone",
)


async def create_phone(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Phone:
    """Add a phone number to an organization, service, location or service-at-location."""
    return await _ROWS.create(session=session, actor=actor, clock=clock, data=data)


async def update_phone(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    phone_id: str,
    changes: Mapping[str, Any],
) -> Phone:
    """Change a phone number (the owner stays)."""
    return await _ROWS.update(
        session=session, actor=actor, clock=clock, row_id=phone_id, changes=changes
    )


async def delete_phone(
    *, session: AsyncSession, actor: Principal, clock: Clock, phone_id: str
) -> None:
    """Remove a phone number."""
    await _ROWS.delete(session=session, actor=actor, clock=clock, row_id=phone_id)
