"""GraphQL types of services: details, program facts, capacity, needs, locations and phones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry

from providers import batch
from providers import models as m
from providers.access import can_see_status
from schema.context import Info
from schema.directory.base import field_names, from_row
from schema.directory.enums import CapacityStatus, DeliveryMode, ServiceStatus
from schema.directory.location import (
    Location,
    Phone,
    Schedule,
    ServiceAtLocation,
    location,
    schedule,
    service_at_location,
    visible_phones,
)
from schema.directory.taxonomy import TaxonomyTerm, term
from schema.relay import Node, register_node

if TYPE_CHECKING:
    from schema.directory.organization import Organization, Program

_ORG = "schema.directory.organization"
T = TypeVar("T")


@strawberry.type(description="Facts about a training program (our profile).")
class ProgramFacts:
    credential: str | None
    occupation_code: str | None
    occupation_title: str | None
    duration_weeks: int | None
    duration_hours: int | None
    schedule_fit: list[str]
    tuition: Decimal | None
    other_costs: Decimal | None
    other_costs_description: str | None
    aid_accepted: list[str]
    earn_and_learn: bool
    prerequisites: str | None
    completion_rate: float | None
    placement_rate: float | None
    median_wage_after: Decimal | None


@strawberry.type(description="Available and maximum places (HSDS service_capacity).")
class ServiceCapacity:
    unit: str
    available: int
    maximum: int | None
    description: str | None
    updated: datetime | None


@strawberry.type(description="A price of a service; amount 0 means free.")
class CostOption:
    option: str | None
    currency: str | None
    amount: Decimal | None
    amount_description: str | None
    valid_from: date | None
    valid_to: date | None


@strawberry.type
class Language:
    name: str | None
    code: str | None
    note: str | None


@strawberry.type
class RequiredDocument:
    document: str | None
    uri: str | None


@strawberry.type(description="Where a service is available.")
class ServiceArea:
    name: str | None
    description: str | None
    extent: str | None
    extent_type: str | None


def _plain(cls: type[T], row: object) -> T:
    build: Any = cls
    return cast(T, build(**{n: getattr(row, n) for n in field_names(cls)}))


def _split(value: str) -> list[str]:
    return [v for v in (p.strip() for p in value.split(",")) if v]


@strawberry.type(description="Something an organization offers (HSDS service).")
class Service(Node):
    row: strawberry.Private[m.Service]
    name: str
    alternate_name: str | None
    description: str | None
    url: str | None
    email: str | None
    status: ServiceStatus
    interpretation_services: str | None
    application_process: str | None
    fees_description: str | None
    wait_time: str | None
    fees: str | None
    accreditations: str | None
    eligibility_description: str | None
    minimum_age: int | None
    maximum_age: int | None
    assured_date: date | None
    assurer_email: str | None
    licenses: str | None
    alert: str | None
    delivery_mode: DeliveryMode
    accepts_referrals: bool
    referral_email: str | None
    capacity_status: CapacityStatus | None
    last_verified_at: datetime | None
    last_verified_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def organization(self, info: Info) -> Annotated[Organization, strawberry.lazy(_ORG)]:
        from schema.directory.organization import organization

        row = await info.context.loaders.get(batch.organization_by_id).load(
            self.row.organization_id
        )
        assert row is not None  # the foreign key guarantees it
        return organization(row)

    @strawberry.field
    async def program(self, info: Info) -> Annotated[Program, strawberry.lazy(_ORG)] | None:
        from schema.directory.organization import program

        if self.row.program_id is None:
            return None
        row = await info.context.loaders.get(batch.program_by_id).load(self.row.program_id)
        return program(row) if row is not None else None

    @strawberry.field(description="Training program facts, when the service is a program.")
    async def program_facts(self, info: Info) -> ProgramFacts | None:
        row = await info.context.loaders.get(batch.program_facts_by_service).load(self.row.id)
        if row is None:
            return None
        values = {name: getattr(row, name) for name in field_names(ProgramFacts)}
        values["schedule_fit"] = _split(row.schedule_fit)
        values["aid_accepted"] = _split(row.aid_accepted)
        return ProgramFacts(**values)

    @strawberry.field(description="The needs this service meets.")
    async def needs(self, info: Info) -> list[TaxonomyTerm]:
        rows = await info.context.loaders.get(batch.terms_by_entity).load(self.row.id)
        return [term(r) for r in rows]

    @strawberry.field
    async def locations(self, info: Info) -> list[Location]:
        rows = await info.context.loaders.get(batch.locations_by_service).load(self.row.id)
        return [location(r) for r in rows]

    @strawberry.field
    async def service_at_locations(self, info: Info) -> list[ServiceAtLocation]:
        loader = info.context.loaders.get(batch.service_at_locations_by_service)
        return [service_at_location(r) for r in await loader.load(self.row.id)]

    @strawberry.field
    async def phones(self, info: Info) -> list[Phone]:
        rows = await info.context.loaders.get(batch.phones_by_service).load(self.row.id)
        return visible_phones(info, rows, self.row.organization_id)

    @strawberry.field
    async def schedules(self, info: Info) -> list[Schedule]:
        rows = await info.context.loaders.get(batch.schedules_by_service).load(self.row.id)
        return [schedule(r) for r in rows]

    @strawberry.field
    async def capacity(self, info: Info) -> list[ServiceCapacity]:
        rows = await info.context.loaders.get(batch.capacities_by_service).load(self.row.id)
        return [_plain(ServiceCapacity, r) for r in rows]

    @strawberry.field
    async def cost_options(self, info: Info) -> list[CostOption]:
        rows = await info.context.loaders.get(batch.cost_options_by_service).load(self.row.id)
        return [_plain(CostOption, r) for r in rows]

    @strawberry.field
    async def languages(self, info: Info) -> list[Language]:
        rows = await info.context.loaders.get(batch.languages_by_service).load(self.row.id)
        return [_plain(Language, r) for r in rows]

    @strawberry.field
    async def required_documents(self, info: Info) -> list[RequiredDocument]:
        loader = info.context.loaders.get(batch.required_documents_by_service)
        return [_plain(RequiredDocument, r) for r in await loader.load(self.row.id)]

    @strawberry.field
    async def service_areas(self, info: Info) -> list[ServiceArea]:
        rows = await info.context.loaders.get(batch.service_areas_by_service).load(self.row.id)
        return [_plain(ServiceArea, r) for r in rows]


def service(row: m.Service) -> Service:
    """Wrap a service row."""
    return from_row(Service, row)


def visible_service(info: Info, row: m.Service | None) -> Service | None:
    """Wrap a service row if the caller may see it (anonymous callers see active ones only)."""
    if row is None or not can_see_status(info.context.principal, row.status):
        return None
    return service(row)


async def _fetch(info: Info, ident: str) -> Service | None:
    return visible_service(info, await info.context.loaders.get(batch.service_by_id).load(ident))


register_node("Service", _fetch)
