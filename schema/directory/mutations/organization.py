"""organizationCreate / organizationUpdate / organizationDelete."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import organizations
from schema.context import Info
from schema.directory.organization import Organization, organization
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, values
from schema.relay import decode_id

UNSET = strawberry.UNSET


@strawberry.input(description="Organization fields; `name` is required on create.")
class OrganizationInput:
    name: str | None = UNSET
    alternate_name: str | None = UNSET
    description: str | None = UNSET
    email: str | None = UNSET
    website: str | None = UNSET
    tax_status: str | None = UNSET
    tax_id: str | None = UNSET
    year_incorporated: int | None = UNSET
    legal_status: str | None = UNSET
    logo: str | None = UNSET
    uri: str | None = UNSET
    organization_type: str | None = UNSET
    referral_email: str | None = UNSET


@strawberry.type
class OrganizationPayload:
    organization: Organization


OrganizationResult = Annotated[
    OrganizationPayload | AnyError, strawberry.union("OrganizationResult")
]
DeleteResult = Annotated[Deleted | AnyError, strawberry.union("DeleteResult")]


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Create an organization (hub admins).")
    async def organization_create(self, info: Info, input: OrganizationInput) -> OrganizationResult:
        try:
            row = await call(info, organizations.create_organization, data=values(input))
        except DomainError as exc:
            return to_error(exc)
        return OrganizationPayload(organization=organization(row))

    @strawberry.mutation(description="Change an organization (its admins or hub admins).")
    async def organization_update(
        self, info: Info, id: strawberry.ID, input: OrganizationInput
    ) -> OrganizationResult:
        try:
            row = await call(
                info,
                organizations.update_organization,
                organization_id=decode_id(id, "Organization"),
                changes=values(input),
            )
        except DomainError as exc:
            return to_error(exc)
        return OrganizationPayload(organization=organization(row))

    @strawberry.mutation(description="Delete an organization and its listings (hub admins).")
    async def organization_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(
                info,
                organizations.delete_organization,
                organization_id=decode_id(id, "Organization"),
            )
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
