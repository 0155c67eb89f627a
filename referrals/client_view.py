"""The directory facts a client needs about the service they were referred to (public data only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import (
    Address,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
)


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours on some weekdays (RRULE byday codes), or a free-text description."""

    days: list[str]
    opens_at: time | None
    closes_at: time | None
    description: str | None


@dataclass(slots=True)
class ServiceFacts:
    """Where to go, whom to call, when, and what to bring."""

    service_name: str
    service_description: str | None
    organization_name: str
    address_lines: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    phones: list[str] = field(default_factory=list)
    hours: list[Hours] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    url: str | None = None


async def _first_location(session: AsyncSession, service_id: str) -> Location | None:
    found = await session.exec(
        select(Location)
        .join(ServiceAtLocation, col(ServiceAtLocation.location_id) == Location.id)
        .where(ServiceAtLocation.service_id == service_id, col(Location.is_private).is_(False))
        .order_by(col(ServiceAtLocation.created_at))
    )
    return found.first()


async def service_facts(*, session: AsyncSession, service_id: str) -> ServiceFacts | None:
    """Gather the public facts of a service for the client page (confidential places omitted)."""
    service = await session.get(Service, service_id)
    if service is None:
        return None
    org = await session.get(Organization, service.organization_id)
    facts = ServiceFacts(
        service_name=service.name,
        service_description=service.description,
        organization_name=org.name if org else "",
        url=service.url,
    )
    location = await _first_location(session, service.id)
    owners = (
        [col(Phone.service_id) == service.id, col(Phone.organization_id) == org.id]
        if org
        else [col(Phone.service_id) == service.id]
    )
    schedule_owners = [col(Schedule.service_id) == service.id]
    if location is not None:
        facts.latitude, facts.longitude = location.latitude, location.longitude
        found_address = await session.exec(
            select(Address).where(
                Address.location_id == location.id, col(Address.is_private).is_(False)
            )
        )
        address = found_address.first()
        if address is not None:
            facts.address_lines = [
                line
                for line in (
                    address.address_1,
                    address.address_2,
                    f"{address.city}, {address.state_province} {address.postal_code}",
                )
                if line
            ]
        owners.append(col(Phone.location_id) == location.id)
        schedule_owners.append(col(Schedule.location_id) == location.id)
    phones = await session.exec(select(Phone).where(or_(*owners), col(Phone.is_private).is_(False)))
    facts.phones = list(dict.fromkeys(p.number for p in phones))
    schedules = await session.exec(select(Schedule).where(or_(*schedule_owners)))
    facts.hours = [
        Hours(
            days=[d.strip() for d in (s.byday or "").split(",") if d.strip()],
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            description=s.description,
        )
        for s in schedules
    ]
    documents = await session.exec(
        select(RequiredDocument).where(RequiredDocument.service_id == service.id)
    )
    facts.documents = [d.document for d in documents if d.document]
    return facts
