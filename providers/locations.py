"""Locations with their address and geocoding, and service-at-location links."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import record_change, snapshot
from providers.editing import apply, get_or_404, must_exist, validate_patch
from providers.geocoding.base import Geocoder
from providers.models import (
    Address,
    GeocodePrecision,
    GeocodeStatus,
    Location,
    LocationType,
    Organization,
    Service,
    ServiceAtLocation,
)
from providers.place_inputs import AddressInput, LocationInput

log = logging.getLogger(__name__)

_FIELDS = tuple(f for f in LocationInput.model_fields if f != "address")
_EDITABLE = tuple(f for f in _FIELDS if f != "organization_id")
_ADDRESS_FIELDS = tuple(AddressInput.model_fields)


async def _main_address(session: AsyncSession, location_id: str) -> Address | None:
    rows = await session.exec(
        select(Address).where(col(Address.location_id) == location_id).order_by(col(Address.id))
    )
    return rows.first()


async def _service_ids(session: AsyncSession, location_id: str) -> list[str]:
    rows = await session.exec(
        select(ServiceAtLocation.service_id).where(
            col(ServiceAtLocation.location_id) == location_id
        )
    )
    return sorted(rows)


async def _place(
    row: Location, address: AddressInput | None, geocoder: Geocoder | None, coords_given: bool
) -> None:
    """Set coordinates, precision and status; a failed geocode leaves no coordinates (never 0,0)."""
    if coords_given and row.latitude is not None:
        row.geocode_precision, row.geocode_status = GeocodePrecision.PROVIDED, GeocodeStatus.OK
        return
    if row.location_type == LocationType.VIRTUAL and address is None:
        row.geocode_precision, row.geocode_status = (
            GeocodePrecision.NONE,
            GeocodeStatus.NOT_APPLICABLE,
        )
        return
    if address is None or geocoder is None:
        if row.latitude is None:
            row.geocode_precision, row.geocode_status = GeocodePrecision.NONE, GeocodeStatus.PENDING
        return
    try:
        found = await geocoder.geocode(address.one_line())
    except Exception:
        # A geocoding outage must never block saving a listing; it is retried later.
        log.warning("geocoding failed for location %s", row.id, exc_info=True)
        found = None
    if found is None:
        row.latitude = row.longitude = None
        row.geocode_precision, row.geocode_status = GeocodePrecision.NONE, GeocodeStatus.FAILED
        return
    row.latitude, row.longitude = found.latitude, found.longitude
    row.geocode_precision, row.geocode_status = found.precision, GeocodeStatus.OK
    if row.timezone_name is None and found.timezone_name:
        row.timezone_name = found.timezone_name


def _location_view(row: Location, address: Address | None) -> dict[str, Any]:
    view = snapshot(row, (*_FIELDS, "geocode_status", "geocode_precision"))
    view["address"] = snapshot(address, _ADDRESS_FIELDS) if address is not None else None
    return view


async def create_location(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    data: Mapping[str, Any],
    geocoder: Geocoder | None = None,
) -> Location:
    """Create a location (and address) of an organization; geocode when coordinates are missing."""
    actor.require_authenticated()
    checked = validate_input(LocationInput, data)
    org_id = checked.organization_id
    await must_exist(session, Organization, org_id, field="organization_id", entity="organization")
    require_manage(actor, org_id)
    now = clock.now()
    row = Location(**checked.model_dump(exclude={"address"}), created_at=now, updated_at=now)
    await _place(row, checked.address, geocoder, coords_given=checked.latitude is not None)
    session.add(row)
    await session.flush()
    address = None
    if checked.address is not None:
        address = Address(
            location_id=row.id, **checked.address.model_dump(), created_at=now, updated_at=now
        )
        session.add(address)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="location",
        verb="created",
        row_id=row.id,
        before={},
        after=_location_view(row, address),
        payload={"organization_id": org_id},
    )
    await session.flush()
    return row


async def update_location(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    location_id: str,
    changes: Mapping[str, Any],
    geocoder: Geocoder | None = None,
) -> Location:
    """Change a location; a new address without new coordinates is geocoded again."""
    actor.require_authenticated()
    row = await get_or_404(session, Location, location_id, "Location")
    if row.organization_id is None:
        actor.require_hub_admin()
    else:
        require_manage(actor, row.organization_id)
    address = await _main_address(session, row.id)
    before = _location_view(row, address)
    current = {k: v for k, v in before.items() if k in LocationInput.model_fields}
    after = validate_patch(LocationInput, current, changes, immutable={"organization_id"})
    apply(row, after, _EDITABLE)
    new_address = AddressInput.model_validate(after["address"]) if after["address"] else None
    coords_given = "latitude" in changes or "longitude" in changes
    if "address" in changes:
        if new_address is None:
            if address is not None:
                await session.delete(address)
            address = None
        else:
            address = address or Address(
                location_id=row.id, created_at=clock.now(), **new_address.model_dump()
            )
            apply(address, new_address.model_dump(), _ADDRESS_FIELDS)
            address.updated_at = clock.now()
            session.add(address)
        if not coords_given:
            # The old coordinates belonged to the old address.
            row.latitude = row.longitude = None
            await _place(row, new_address, geocoder, coords_given=False)
    elif coords_given:
        await _place(row, new_address, geocoder, coords_given=True)
    row.updated_at = clock.now()
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="location",
        verb="updated",
        row_id=row.id,
        before=before,
        after=_location_view(row, address),
        # Search documents are per service at location: say which services to refresh.
        payload={
            "organization_id": row.organization_id,
            "service_ids": await _service_ids(session, row.id),
        },
    )
    await session.flush()
    return row


async def delete_location(
    *, session: AsyncSession, actor: Principal, clock: Clock, location_id: str
) -> None:
    """Delete a location with its address, phones, schedules and service links."""
    actor.require_authenticated()
    row = await get_or_404(session, Location, location_id, "Location")
    if row.organization_id is None:
        actor.require_hub_admin()
    else:
        require_manage(actor, row.organization_id)
    before = _location_view(row, await _main_address(session, row.id))
    service_ids = await _service_ids(session, row.id)
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="location",
        verb="deleted",
        row_id=row.id,
        before=before,
        after={},
        payload={"organization_id": row.organization_id, "service_ids": service_ids},
    )
    await session.flush()


async def create_service_at_location(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    service_id: str,
    location_id: str,
    description: str | None = None,
) -> ServiceAtLocation:
    """Deliver a service at a location of the same organization."""
    actor.require_authenticated()
    service = await must_exist(session, Service, service_id, field="service_id", entity="service")
    place = await must_exist(session, Location, location_id, field="location_id", entity="location")
    assert service is not None
    assert place is not None
    require_manage(actor, service.organization_id)
    if place.organization_id not in (None, service.organization_id):
        require_manage(actor, place.organization_id)
    if description is not None and len(description) > 5000:
        raise ValidationFailed.single("description", ErrorCode.TOO_LONG, "At most 5000 characters.")
    existing = await session.exec(
        select(ServiceAtLocation).where(
            col(ServiceAtLocation.service_id) == service.id,
            col(ServiceAtLocation.location_id) == place.id,
        )
    )
    if existing.first() is not None:
        raise ValidationFailed.single(
            "location_id", ErrorCode.DUPLICATE, "The service is already offered here."
        )
    now = clock.now()
    row = ServiceAtLocation(
        service_id=service.id,
        location_id=place.id,
        description=description,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service_at_location",
        verb="created",
        row_id=row.id,
        before={},
        after={"service_id": service.id, "location_id": place.id, "description": description},
        payload={"organization_id": service.organization_id, "service_id": service.id},
    )
    return row


async def delete_service_at_location(
    *, session: AsyncSession, actor: Principal, clock: Clock, service_at_location_id: str
) -> None:
    """Stop offering a service at a location."""
    actor.require_authenticated()
    row = await get_or_404(session, ServiceAtLocation, service_at_location_id, "ServiceAtLocation")
    service = await get_or_404(session, Service, row.service_id, "Service")
    require_manage(actor, service.organization_id)
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service_at_location",
        verb="deleted",
        row_id=row.id,
        before={"service_id": row.service_id, "location_id": row.location_id},
        after={},
        payload={"organization_id": service.organization_id, "service_id": service.id},
    )
    await session.flush()
