"""Everything a coach needs to decide on one service: what, who, cost, how to apply, where, when.

The same visibility rules as every directory read: `get_service` refuses what the actor may
not see, and confidential places, private addresses and private phones are only for the
owning organization's people and hub admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.principal import Principal
from providers import batch
from providers.access import can_see_private
from providers.models import (
    CostOption,
    Organization,
    Phone,
    ProgramFacts,
    RequiredDocument,
    Service,
    ServiceCapacity,
)
from providers.queries import get_service
from providers.service_cards import (
    HoursLine,
    address_line,
    hours_lines,
    public_address,
    visible_location,
)


@dataclass(frozen=True, slots=True)
class PhoneLine:
    """A phone number with what it is for."""

    number: str
    extension: int | None
    kind: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Place:
    """A location where the service is delivered, with its address, phones and hours."""

    location_id: str
    name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    transportation: str | None
    phones: tuple[PhoneLine, ...]
    hours: tuple[HoursLine, ...]


@dataclass(frozen=True, slots=True)
class ServiceDetail:
    """One service as the detail page shows it."""

    service: Service
    organization: Organization | None
    needs: tuple[str, ...]
    languages: tuple[str, ...]
    phones: tuple[PhoneLine, ...]
    hours: tuple[HoursLine, ...]
    places: tuple[Place, ...]
    costs: tuple[CostOption, ...]
    documents: tuple[RequiredDocument, ...]
    capacities: tuple[ServiceCapacity, ...]
    program: ProgramFacts | None

    @property
    def total_cost(self) -> Decimal | None:
        """A training program's tuition plus other costs (None when neither is known)."""
        if self.program is None:
            return None
        if self.program.tuition is None and self.program.other_costs is None:
            return None
        return (self.program.tuition or Decimal(0)) + (self.program.other_costs or Decimal(0))


def _phones(actor: Principal, rows: list[Phone], organization_id: str) -> tuple[PhoneLine, ...]:
    seen: set[str] = set()
    lines = []
    for row in rows:
        if row.is_private and not can_see_private(actor, organization_id):
            continue
        if row.number in seen:
            continue
        seen.add(row.number)
        lines.append(PhoneLine(row.number, row.extension, row.type, row.description))
    return tuple(lines)


async def service_detail(
    *, session: AsyncSession, actor: Principal, service_id: str
) -> ServiceDetail:
    """One service with its places, phones, hours, costs and program facts (NotFound if hidden)."""
    service = await get_service(session=session, actor=actor, service_id=service_id)
    org_id = service.organization_id
    [organization] = await batch.organization_by_id(session, [org_id])
    [locations] = await batch.locations_by_service(session, [service.id])
    location_ids = [loc.id for loc in locations]
    addresses = await batch.addresses_by_location(session, location_ids)
    location_phones = await batch.phones_by_location(session, location_ids)
    location_hours = await batch.schedules_by_location(session, location_ids)
    places = []
    for index, row in enumerate(locations):
        location = visible_location(actor, row, org_id)
        if location is None:
            continue
        address = public_address(actor, addresses[index], org_id)
        places.append(
            Place(
                location_id=location.id,
                name=location.name,
                address=address_line(address),
                latitude=location.latitude,
                longitude=location.longitude,
                transportation=location.transportation,
                phones=_phones(actor, location_phones[index], org_id),
                hours=tuple(hours_lines(location_hours[index], "location")),
            )
        )
    [service_phones] = await batch.phones_by_service(session, [service.id])
    [org_phones] = await batch.phones_by_organization(session, [org_id])
    [own_hours] = await batch.schedules_by_service(session, [service.id])
    [languages] = await batch.languages_by_service(session, [service.id])
    [terms] = await batch.terms_by_entity(session, [service.id])
    [costs] = await batch.cost_options_by_service(session, [service.id])
    [documents] = await batch.required_documents_by_service(session, [service.id])
    [capacities] = await batch.capacities_by_service(session, [service.id])
    [program] = await batch.program_facts_by_service(session, [service.id])
    return ServiceDetail(
        service=service,
        organization=organization,
        needs=tuple(t.code for t in terms if t.code),
        languages=tuple(
            dict.fromkeys(x.name or x.code or "" for x in languages if x.name or x.code)
        ),
        phones=_phones(actor, [*service_phones, *org_phones], org_id),
        hours=tuple(hours_lines(own_hours, "service")),
        places=tuple(places),
        costs=tuple(costs),
        documents=tuple(documents),
        capacities=tuple(capacities),
        program=program,
    )
