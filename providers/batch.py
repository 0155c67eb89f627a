"""Batched reads for DataLoaders: one statement per batch of keys, results in key order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Program,
    ProgramFacts,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)

M = TypeVar("M", bound=SQLModel)

ByKey = Callable[[AsyncSession, Sequence[str]], Awaitable[list[M | None]]]
ManyByKey = Callable[[AsyncSession, Sequence[str]], Awaitable[list[list[M]]]]


def one_by(model: type[M], column: Any) -> ByKey[M]:
    """Batch function loading at most one row per key of a unique column."""

    async def load(session: AsyncSession, keys: Sequence[str]) -> list[M | None]:
        rows = await session.exec(select(model).where(col(column).in_(set(keys))))
        found = {getattr(row, column.key): row for row in rows}
        return [found.get(key) for key in keys]

    return load


def many_by(model: type[M], column: Any, *order: Any) -> ManyByKey[M]:
    """Batch function loading every row whose `column` matches each key."""

    async def load(session: AsyncSession, keys: Sequence[str]) -> list[list[M]]:
        stmt = select(model).where(col(column).in_(set(keys)))
        if order:
            stmt = stmt.order_by(*order)
        grouped: dict[str, list[M]] = defaultdict(list)
        for row in await session.exec(stmt):
            grouped[getattr(row, column.key)].append(row)
        return [grouped.get(key, []) for key in keys]

    return load


organization_by_id = one_by(Organization, Organization.id)
program_by_id = one_by(Program, Program.id)
service_by_id = one_by(Service, Service.id)
location_by_id = one_by(Location, Location.id)
term_by_id = one_by(TaxonomyTerm, TaxonomyTerm.id)
program_facts_by_service = one_by(ProgramFacts, ProgramFacts.service_id)

services_by_organization = many_by(Service, Service.organization_id, Service.name, Service.id)
programs_by_organization = many_by(Program, Program.organization_id, Program.name)
locations_by_organization = many_by(Location, Location.organization_id, Location.name)
phones_by_organization = many_by(Phone, Phone.organization_id, Phone.id)
phones_by_service = many_by(Phone, Phone.service_id, Phone.id)
phones_by_location = many_by(Phone, Phone.location_id, Phone.id)
schedules_by_service = many_by(Schedule, Schedule.service_id, Schedule.id)
schedules_by_location = many_by(Schedule, Schedule.location_id, Schedule.id)
schedules_by_service_at_location = many_by(Schedule, Schedule.service_at_location_id, Schedule.id)
addresses_by_location = many_by(Address, Address.location_id, Address.id)
accessibility_by_location = many_by(Accessibility, Accessibility.location_id, Accessibility.id)
languages_by_service = many_by(Language, Language.service_id, Language.name)
languages_by_location = many_by(Language, Language.location_id, Language.name)
capacities_by_service = many_by(ServiceCapacity, ServiceCapacity.service_id, ServiceCapacity.unit)
cost_options_by_service = many_by(CostOption, CostOption.service_id, CostOption.id)
required_documents_by_service = many_by(
    RequiredDocument, RequiredDocument.service_id, RequiredDocument.id
)
service_areas_by_service = many_by(ServiceArea, ServiceArea.service_id, ServiceArea.id)
service_at_locations_by_service = many_by(
    ServiceAtLocation, ServiceAtLocation.service_id, ServiceAtLocation.id
)
service_at_locations_by_location = many_by(
    ServiceAtLocation, ServiceAtLocation.location_id, ServiceAtLocation.id
)
children_by_term = many_by(TaxonomyTerm, TaxonomyTerm.parent_id, TaxonomyTerm.code)


async def terms_by_entity(session: AsyncSession, keys: Sequence[str]) -> list[list[TaxonomyTerm]]:
    """Taxonomy terms attached to each entity id through attributes (a service's needs)."""
    stmt = (
        select(Attribute.link_id, TaxonomyTerm)
        .join(TaxonomyTerm, col(TaxonomyTerm.id) == col(Attribute.taxonomy_term_id))
        .where(col(Attribute.link_id).in_(set(keys)))
        .order_by(col(TaxonomyTerm.code))
    )
    grouped: dict[str, list[TaxonomyTerm]] = defaultdict(list)
    for link_id, term in await session.exec(stmt):
        grouped[link_id].append(term)
    return [grouped.get(key, []) for key in keys]


async def locations_by_service(session: AsyncSession, keys: Sequence[str]) -> list[list[Location]]:
    """Locations where each service is delivered (through service-at-location), in one join."""
    stmt = (
        select(ServiceAtLocation.service_id, Location)
        .join(Location, col(Location.id) == col(ServiceAtLocation.location_id))
        .where(col(ServiceAtLocation.service_id).in_(set(keys)))
        .order_by(col(Location.name), col(Location.id))
    )
    grouped: dict[str, list[Location]] = defaultdict(list)
    for service_id, location in await session.exec(stmt):
        grouped[service_id].append(location)
    return [grouped.get(key, []) for key in keys]


phone_by_id = one_by(Phone, Phone.id)
schedule_by_id = one_by(Schedule, Schedule.id)
service_at_location_by_id = one_by(ServiceAtLocation, ServiceAtLocation.id)
