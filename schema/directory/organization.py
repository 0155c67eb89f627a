"""GraphQL types of organizations and their programs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from providers import batch
from providers import models as m
from providers.access import can_see_status
from schema.context import Info
from schema.directory.base import from_row
from schema.directory.location import Location, Phone, location, visible_phones
from schema.directory.service import Service, service
from schema.relay import Node, register_node


@strawberry.type(description="A group of services run together (HSDS program).")
class Program(Node):
    row: strawberry.Private[m.Program]
    name: str
    alternate_name: str | None
    description: str


@strawberry.type(description="A CBO, college, workforce center or other provider.")
class Organization(Node):
    row: strawberry.Private[m.Organization]
    name: str
    alternate_name: str | None
    description: str
    email: str | None
    website: str | None
    tax_status: str | None
    tax_id: str | None
    year_incorporated: int | None
    legal_status: str | None
    logo: str | None
    uri: str | None
    organization_type: str | None
    referral_email: str | None
    updated_at: datetime

    @strawberry.field(description="The services you may see, by name.")
    async def services(self, info: Info) -> list[Service]:
        rows = await info.context.loaders.get(batch.services_by_organization).load(self.row.id)
        actor = info.context.principal
        return [service(r) for r in rows if can_see_status(actor, r.status)]

    @strawberry.field
    async def programs(self, info: Info) -> list[Program]:
        rows = await info.context.loaders.get(batch.programs_by_organization).load(self.row.id)
        return [program(r) for r in rows]

    @strawberry.field
    async def locations(self, info: Info) -> list[Location]:
        rows = await info.context.loaders.get(batch.locations_by_organization).load(self.row.id)
        return [location(r) for r in rows]

    @strawberry.field
    async def phones(self, info: Info) -> list[Phone]:
        rows = await info.context.loaders.get(batch.phones_by_organization).load(self.row.id)
        return visible_phones(info, rows, self.row.id)


def organization(row: m.Organization) -> Organization:
    """Wrap an organization row."""
    return from_row(Organization, row)


def program(row: m.Program) -> Program:
    """Wrap a program row."""
    return from_row(Program, row)


async def _fetch_organization(info: Info, ident: str) -> Organization | None:
    row = await info.context.loaders.get(batch.organization_by_id).load(ident)
    return organization(row) if row is not None else None


async def _fetch_program(info: Info, ident: str) -> Program | None:
    row = await info.context.loaders.get(batch.program_by_id).load(ident)
    return program(row) if row is not None else None


register_node("Organization", _fetch_organization)
register_node("Program", _fetch_program)
