"""Directory queries: me, organizations, services and locations."""

from __future__ import annotations

import strawberry

from hub.core.errors import NotFound
from hub.identity.models import User as UserRow
from providers import queries
from providers.models.enums import ServiceStatus
from schema.context import Info
from schema.directory.location import Location, location
from schema.directory.me import Me, me
from schema.directory.organization import Organization, organization
from schema.directory.service import Service, service
from schema.relay import Connection, connection, decode_id, decode_optional_id, page_request


@strawberry.input(description="Which services to list.")
class ServiceFilter:
    needs: list[str] | None = strawberry.field(
        default=None, description="Need codes, e.g. `food`; a need includes its children."
    )
    organization_id: strawberry.ID | None = None
    status: list[ServiceStatus] | None = None
    text: str | None = strawberry.field(default=None, description="Words in name or description.")


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="The signed-in user, or null for anonymous callers.")
    async def me(self, info: Info) -> Me | None:
        actor = info.context.principal
        if actor.user_id is None:
            return None
        async with info.context.session() as session:
            user = await session.get(UserRow, actor.user_id)
        return me(user, actor) if user is not None else None

    @strawberry.field(description="Organizations by name.")
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        text: str | None = None,
    ) -> Connection[Organization]:
        request = page_request(info, first, after)
        async with info.context.session() as session:
            page = await queries.list_organizations(
                session=session, actor=info.context.principal, page=request, text=text
            )
        return connection(page, organization)

    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        ident = decode_id(id, "Organization")
        async with info.context.session() as session:
            try:
                row = await queries.get_organization(
                    session=session, actor=info.context.principal, organization_id=ident
                )
            except NotFound:
                return None
        return organization(row)

    @strawberry.field(
        description="Services you may see, by name; anonymous callers see active ones."
    )
    async def services(
        self,
        info: Info,
        filter: ServiceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Service]:
        request = page_request(info, first, after)
        f = filter or ServiceFilter()
        domain_filter = queries.ServiceFilter(
            needs=tuple(f.needs or ()),
            organization_id=decode_optional_id(
                f.organization_id, "Organization", field="filter.organizationId"
            ),
            statuses=tuple(f.status or ()),
            text=f.text,
        )
        async with info.context.session() as session:
            page = await queries.list_services(
                session=session, actor=info.context.principal, filter=domain_filter, page=request
            )
        return connection(page, service)

    @strawberry.field
    async def service(self, info: Info, id: strawberry.ID) -> Service | None:
        ident = decode_id(id, "Service")
        async with info.context.session() as session:
            try:
                row = await queries.get_service(
                    session=session, actor=info.context.principal, service_id=ident
                )
            except NotFound:
                return None
        return service(row)

    @strawberry.field(description="Locations, optionally of one organization.")
    async def locations(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Location]:
        request = page_request(info, first, after)
        org = decode_optional_id(organization_id, "Organization", field="organizationId")
        async with info.context.session() as session:
            page = await queries.list_locations(
                session=session, actor=info.context.principal, page=request, organization_id=org
            )
        return connection(page, location)
