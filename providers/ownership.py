"""Which organization owns a phone or schedule, through the parent it hangs off."""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, ValidationFailed
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.models import Location, Organization, Service, ServiceAtLocation

_ENTITIES: dict[str, tuple[type[SQLModel], str]] = {
    "service_id": (Service, "service"),
    "location_id": (Location, "location"),
    "service_at_location_id": (ServiceAtLocation, "service-at-location"),
    "organization_id": (Organization, "organization"),
}


async def owning_organization(session: AsyncSession, field: str, ident: str) -> str | None:
    """The organization id behind `field=ident`; an unknown id is a field error."""
    model, entity = _ENTITIES[field]
    row: Any = await session.get(model, ident)
    if row is None:
        raise ValidationFailed.single(field, ErrorCode.NOT_FOUND, f"No {entity} has this id.")
    if isinstance(row, Organization):
        return row.id
    if isinstance(row, ServiceAtLocation):
        service = await session.get(Service, row.service_id)
        return service.organization_id if service is not None else None
    owner: str | None = row.organization_id
    return owner


async def require_manage_owner(
    session: AsyncSession, actor: Principal, owners: dict[str, str | None]
) -> str | None:
    """Refuse unless the actor manages the organization owning the given (single) parent."""
    actor.require_authenticated()
    for field, ident in owners.items():
        if ident is not None:
            org_id = await owning_organization(session, field, ident)
            if org_id is None:
                actor.require_hub_admin()
            else:
                require_manage(actor, org_id)
            return org_id
    actor.require_hub_admin()
    return None
