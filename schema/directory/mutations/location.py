"""locationCreate / locationUpdate / locationDelete and serviceAtLocationCreate / Delete."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import locations
from schema.context import Info
from schema.directory.enums import AddressType, LocationType
from schema.directory.location import Location, ServiceAtLocation, location, service_at_location
from schema.directory.mutations.organization import DeleteResult
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, decode_ids, values
from schema.relay import decode_id

UNSET = strawberry.UNSET


@strawberry.input(
    description="An address; `address1`, `city`, `stateProvince`, `postalCode` required."
)
class AddressInput:
    attention: str | None = UNSET
    address_1: str | None = UNSET
    address_2: str | None = UNSET
    city: str | None = UNSET
    region: str | None = UNSET
    state_province: str | None = UNSET
    postal_code: str | None = UNSET
    country: str | None = UNSET
    address_type: AddressType | None = UNSET
    is_private: bool | None = UNSET


@strawberry.input(
    description="Location fields; `organizationId` is required on create. Without coordinates "
    "the address is geocoded."
)
class LocationInput:
    organization_id: strawberry.ID | None = UNSET
    location_type: LocationType | None = UNSET
    name: str | None = UNSET
    alternate_name: str | None = UNSET
    description: str | None = UNSET
    transportation: str | None = UNSET
    url: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    timezone_name: str | None = UNSET
    is_private: bool | None = UNSET
    address: AddressInput | None = strawberry.field(
        default=UNSET, description="Replaces the main address; null removes it."
    )


@strawberry.type
class LocationPayload:
    location: Location


@strawberry.type
class ServiceAtLocationPayload:
    service_at_location: ServiceAtLocation


LocationResult = Annotated[LocationPayload | AnyError, strawberry.union("LocationResult")]
ServiceAtLocationResult = Annotated[
    ServiceAtLocationPayload | AnyError, strawberry.union("ServiceAtLocationResult")
]


def _data(input: LocationInput) -> dict[str, object]:
    data = decode_ids(values(input), {"organization_id": "Organization"})
    address = data.get("address")
    if isinstance(address, dict):
        # Omitted optional address parts take the domain's defaults.
        data["address"] = {k: v for k, v in address.items() if v is not None}
    return data


@strawberry.type
class LocationMutation:
    @strawberry.mutation(description="Create a location of an organization you manage.")
    async def location_create(self, info: Info, input: LocationInput) -> LocationResult:
        try:
            row = await call(
                info,
                locations.create_location,
                data=_data(input),
                geocoder=info.context.container.geocoder,
            )
        except DomainError as exc:
            return to_error(exc)
        return LocationPayload(location=location(row))

    @strawberry.mutation(description="Change a location; a new address is geocoded again.")
    async def location_update(
        self, info: Info, id: strawberry.ID, input: LocationInput
    ) -> LocationResult:
        try:
            row = await call(
                info,
                locations.update_location,
                location_id=decode_id(id, "Location"),
                changes=_data(input),
                geocoder=info.context.container.geocoder,
            )
        except DomainError as exc:
            return to_error(exc)
        return LocationPayload(location=location(row))

    @strawberry.mutation(description="Delete a location.")
    async def location_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(info, locations.delete_location, location_id=decode_id(id, "Location"))
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)

    @strawberry.mutation(description="Offer a service at a location.")
    async def service_at_location_create(
        self,
        info: Info,
        service_id: strawberry.ID,
        location_id: strawberry.ID,
        description: str | None = None,
    ) -> ServiceAtLocationResult:
        try:
            ids = decode_ids(
                {"service_id": service_id, "location_id": location_id},
                {"service_id": "Service", "location_id": "Location"},
            )
            row = await call(
                info, locations.create_service_at_location, description=description, **ids
            )
        except DomainError as exc:
            return to_error(exc)
        return ServiceAtLocationPayload(service_at_location=service_at_location(row))

    @strawberry.mutation(description="Stop offering a service at a location.")
    async def service_at_location_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(
                info,
                locations.delete_service_at_location,
                service_at_location_id=decode_id(id, "ServiceAtLocation"),
            )
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
