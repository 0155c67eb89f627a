"""GraphQL types of places: locations, addresses, phones, schedules, service-at-location."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated

import strawberry

from providers import batch
from providers import models as m
from providers.access import can_see_private
from schema.context import Info
from schema.directory.base import from_row
from schema.directory.enums import (
    AddressType,
    GeocodePrecision,
    GeocodeStatus,
    LocationType,
    ScheduleFrequency,
    Weekday,
)
from schema.relay import Node, register_node

if TYPE_CHECKING:
    from schema.directory.organization import Organization
    from schema.directory.service import Service

_ORG = "schema.directory.organization"
_SERVICE = "schema.directory.service"


@strawberry.type(description="A phone number (HSDS phone).")
class Phone(Node):
    row: strawberry.Private[m.Phone]
    number: str
    extension: int | None
    type: str | None
    description: str | None
    is_private: bool


@strawberry.type(description="When something is open (HSDS schedule, RRULE fields).")
class Schedule(Node):
    row: strawberry.Private[m.Schedule]
    valid_from: date | None
    valid_to: date | None
    dtstart: date | None
    timezone_name: str | None
    until: date | None
    count: int | None
    wkst: Weekday | None
    freq: ScheduleFrequency | None
    interval: int | None
    byday: str | None
    byweekno: str | None
    bymonthday: str | None
    byyearday: str | None
    description: str | None
    opens_at: time | None
    closes_at: time | None
    schedule_link: str | None
    attending_type: str | None
    notes: str | None


@strawberry.type(description="A street or postal address (HSDS address).")
class Address:
    attention: str | None
    address_1: str
    address_2: str | None
    city: str
    region: str | None
    state_province: str
    postal_code: str
    country: str
    address_type: AddressType


@strawberry.type(description="Accessibility of a location.")
class Accessibility:
    description: str | None
    details: str | None
    url: str | None


def phone(row: m.Phone) -> Phone:
    """Wrap a phone row."""
    return from_row(Phone, row)


def schedule(row: m.Schedule) -> Schedule:
    """Wrap a schedule row."""
    return from_row(Schedule, row)


def visible_phones(info: Info, rows: list[m.Phone], organization_id: str | None) -> list[Phone]:
    """Phones the caller may see: private ones only for the owner's people and hub admins."""
    private_ok = can_see_private(info.context.principal, organization_id)
    return [phone(r) for r in rows if private_ok or not r.is_private]


@strawberry.type(description="A place where services are delivered.")
class Location(Node):
    row: strawberry.Private[m.Location]
    location_type: LocationType
    name: str | None
    alternate_name: str | None
    description: str | None
    transportation: str | None
    url: str | None
    geocode_precision: GeocodePrecision
    geocode_status: GeocodeStatus
    timezone_name: str | None
    is_private: bool
    updated_at: datetime

    def _private_ok(self, info: Info) -> bool:
        return not self.row.is_private or can_see_private(
            info.context.principal, self.row.organization_id
        )

    @strawberry.field(description="Hidden for confidential locations unless you are their staff.")
    def latitude(self, info: Info) -> float | None:
        return self.row.latitude if self._private_ok(info) else None

    @strawberry.field(description="Hidden for confidential locations unless you are their staff.")
    def longitude(self, info: Info) -> float | None:
        return self.row.longitude if self._private_ok(info) else None

    @strawberry.field(description="Addresses; confidential ones only for the owner's people.")
    async def addresses(self, info: Info) -> list[Address]:
        if not self._private_ok(info):
            return []
        rows = await info.context.loaders.get(batch.addresses_by_location).load(self.row.id)
        ok = can_see_private(info.context.principal, self.row.organization_id)
        return [_address(r) for r in rows if ok or not r.is_private]

    @strawberry.field(description="Phones; confidential ones only for the owner's people.")
    async def phones(self, info: Info) -> list[Phone]:
        if not self._private_ok(info):
            return []
        rows = await info.context.loaders.get(batch.phones_by_location).load(self.row.id)
        return visible_phones(info, rows, self.row.organization_id)

    @strawberry.field
    async def schedules(self, info: Info) -> list[Schedule]:
        rows = await info.context.loaders.get(batch.schedules_by_location).load(self.row.id)
        return [schedule(r) for r in rows]

    @strawberry.field
    async def accessibility(self, info: Info) -> list[Accessibility]:
        rows = await info.context.loaders.get(batch.accessibility_by_location).load(self.row.id)
        return [_accessibility(r) for r in rows]

    @strawberry.field
    async def organization(
        self, info: Info
    ) -> Annotated[Organization, strawberry.lazy(_ORG)] | None:
        from schema.directory.organization import organization

        if self.row.organization_id is None:
            return None
        row = await info.context.loaders.get(batch.organization_by_id).load(
            self.row.organization_id
        )
        return organization(row) if row is not None else None


@strawberry.type(description="A service delivered at a location.")
class ServiceAtLocation(Node):
    row: strawberry.Private[m.ServiceAtLocation]
    description: str | None

    @strawberry.field
    async def location(self, info: Info) -> Location | None:
        row = await info.context.loaders.get(batch.location_by_id).load(self.row.location_id)
        return location(row) if row is not None else None

    @strawberry.field
    async def service(self, info: Info) -> Annotated[Service, strawberry.lazy(_SERVICE)] | None:
        from schema.directory.service import visible_service

        row = await info.context.loaders.get(batch.service_by_id).load(self.row.service_id)
        return visible_service(info, row)

    @strawberry.field
    async def schedules(self, info: Info) -> list[Schedule]:
        loader = info.context.loaders.get(batch.schedules_by_service_at_location)
        return [schedule(r) for r in await loader.load(self.row.id)]


def location(row: m.Location) -> Location:
    """Wrap a location row."""
    return from_row(Location, row)


def service_at_location(row: m.ServiceAtLocation) -> ServiceAtLocation:
    """Wrap a service-at-location row."""
    return from_row(ServiceAtLocation, row)


def _address(row: m.Address) -> Address:
    return Address(
        attention=row.attention,
        address_1=row.address_1,
        address_2=row.address_2,
        city=row.city,
        region=row.region,
        state_province=row.state_province,
        postal_code=row.postal_code,
        country=row.country,
        address_type=row.address_type,
    )


def _accessibility(row: m.Accessibility) -> Accessibility:
    return Accessibility(description=row.description, details=row.details, url=row.url)


async def _fetch_location(info: Info, ident: str) -> Location | None:
    row = await info.context.loaders.get(batch.location_by_id).load(ident)
    return location(row) if row is not None else None


register_node("Location", _fetch_location)


async def _fetch_phone(info: Info, ident: str) -> Phone | None:
    row = await info.context.loaders.get(batch.phone_by_id).load(ident)
    if row is None:
        return None
    owner = row.organization_id
    if owner is None and row.location_id is not None:
        place = await info.context.loaders.get(batch.location_by_id).load(row.location_id)
        owner = place.organization_id if place is not None else None
    if owner is None and row.service_id is not None:
        svc = await info.context.loaders.get(batch.service_by_id).load(row.service_id)
        owner = svc.organization_id if svc is not None else None
    shown = visible_phones(info, [row], owner)
    return shown[0] if shown else None


async def _fetch_schedule(info: Info, ident: str) -> Schedule | None:
    row = await info.context.loaders.get(batch.schedule_by_id).load(ident)
    return schedule(row) if row is not None else None


async def _fetch_service_at_location(info: Info, ident: str) -> ServiceAtLocation | None:
    row = await info.context.loaders.get(batch.service_at_location_by_id).load(ident)
    return service_at_location(row) if row is not None else None


register_node("Phone", _fetch_phone)
register_node("Schedule", _fetch_schedule)
register_node("ServiceAtLocation", _fetch_service_at_location)
