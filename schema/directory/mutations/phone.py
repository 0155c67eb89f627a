"""phoneCreate / phoneUpdate / phoneDelete."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import phones
from schema.context import Info
from schema.directory.location import Phone, phone
from schema.directory.mutations.organization import DeleteResult
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, decode_ids, values
from schema.relay import decode_id

UNSET = strawberry.UNSET

OWNERS = {
    "organization_id": "Organization",
    "service_id": "Service",
    "location_id": "Location",
    "service_at_location_id": "ServiceAtLocation",
}


@strawberry.input(
    description="A phone number. On create name exactly one owner id; `number` is required."
)
class PhoneInput:
    organization_id: strawberry.ID | None = UNSET
    service_id: strawberry.ID | None = UNSET
    location_id: strawberry.ID | None = UNSET
    service_at_location_id: strawberry.ID | None = UNSET
    number: str | None = UNSET
    extension: int | None = UNSET
    type: str | None = strawberry.field(
        default=UNSET, description="text, voice, fax, cell, video, pager or textphone."
    )
    description: str | None = UNSET
    is_private: bool | None = UNSET


@strawberry.type
class PhonePayload:
    phone: Phone


PhoneResult = Annotated[PhonePayload | AnyError, strawberry.union("PhoneResult")]


@strawberry.type
class PhoneMutation:
    @strawberry.mutation(description="Add a phone number.")
    async def phone_create(self, info: Info, input: PhoneInput) -> PhoneResult:
        try:
            row = await call(info, phones.create_phone, data=decode_ids(values(input), OWNERS))
        except DomainError as exc:
            return to_error(exc)
        return PhonePayload(phone=phone(row))

    @strawberry.mutation(description="Change a phone number.")
    async def phone_update(self, info: Info, id: strawberry.ID, input: PhoneInput) -> PhoneResult:
        try:
            row = await call(
                info,
                phones.update_phone,
                phone_id=decode_id(id, "Phone"),
                changes=decode_ids(values(input), OWNERS),
            )
        except DomainError as exc:
            return to_error(exc)
        return PhonePayload(phone=phone(row))

    @strawberry.mutation(description="Remove a phone number.")
    async def phone_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(info, phones.delete_phone, phone_id=decode_id(id, "Phone"))
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
