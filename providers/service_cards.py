"""What a coach sees of each search result: place, capacity, freshness, languages and hours.

Read in a few batched statements for a whole page of results, with the directory's
visibility rules: services the actor may not see are left out, confidential places and
private addresses are shown only to the owning organization's people and hub admins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.principal import Principal
from providers import batch
from providers.access import can_see_private, can_see_status
from providers.models import Address, Location, Organization, Schedule, Service


@dataclass(frozen=True, slots=True)
class HoursLine:
    """Opening hours on some weekdays (RRULE codes `MO`..`SU`), or a description.

    `applies_to` says whose hours they are: the service's own or the location's (the building).
    """

    days: tuple[str, ...]
    opens_at: time | None
    closes_at: time | None
    description: str | None
    applies_to: str


@dataclass(frozen=True, slots=True)
class ServiceCard:
    """One service (at one place, when it has one) as a result line."""

    service_id: str
    name: str
    organization_id: str
    organization_name: str
    location_id: str | None
    location_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    capacity_status: str | None
    accepts_referrals: bool
    last_verified_at: datetime | None
    languages: tuple[str, ...]
    hours: tuple[HoursLine, ...]
    fees: str | None
    delivery_mode: str


def address_line(address: Address | None) -> str | None:
    """One line for an address: street, city, state and ZIP."""
    if address is None:
        return None
    parts = [address.address_1, address.address_2, address.city]
    head = ", ".join(p for p in parts if p)
    return f"{head}, {address.state_province} {address.postal_code}".strip()


def hours_lines(schedules: Sequence[Schedule], applies_to: str) -> list[HoursLine]:
    """Schedules as hours lines, labelled with whose hours they are."""
    return [
        HoursLine(
            days=tuple(d.strip().upper() for d in (s.byday or "").split(",") if d.strip()),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            description=s.description,
            applies_to=applies_to,
        )
        for s in schedules
    ]


def visible_location(
    actor: Principal, location: Location | None, organization_id: str
) -> Location | None:
    """The location, unless it is confidential and the actor is not one of its people."""
    if location is None:
        return None
    if location.is_private and not can_see_private(
        actor, location.organization_id or organization_id
    ):
        return None
    return location


def public_address(
    actor: Principal, addresses: Sequence[Address], organization_id: str
) -> Address | None:
    """The first address the actor may see (private ones only for the owners)."""
    for address in addresses:
        if not address.is_private or can_see_private(actor, organization_id):
            return address
    return None


async def service_cards(
    *, session: AsyncSession, actor: Principal, keys: Sequence[tuple[str, str | None]]
) -> list[ServiceCard | None]:
    """Cards for (service id, location id) pairs, in order; None where the actor may not see it."""
    service_ids = list(dict.fromkeys(s for s, _ in keys))
    location_ids = list(dict.fromkeys(loc for _, loc in keys if loc))
    services = dict(zip(service_ids, await batch.service_by_id(session, service_ids), strict=True))
    org_ids = list({s.organization_id for s in services.values() if s is not None})
    orgs: dict[str, Organization | None] = dict(
        zip(org_ids, await batch.organization_by_id(session, org_ids), strict=True)
    )
    locations = dict(
        zip(location_ids, await batch.location_by_id(session, location_ids), strict=True)
    )
    addresses = dict(
        zip(location_ids, await batch.addresses_by_location(session, location_ids), strict=True)
    )
    languages = dict(
        zip(service_ids, await batch.languages_by_service(session, service_ids), strict=True)
    )
    own_hours = dict(
        zip(service_ids, await batch.schedules_by_service(session, service_ids), strict=True)
    )
    place_hours = dict(
        zip(location_ids, await batch.schedules_by_location(session, location_ids), strict=True)
    )
    cards: list[ServiceCard | None] = []
    for service_id, location_id in keys:
        service = services.get(service_id)
        if service is None or not can_see_status(actor, service.status):
            cards.append(None)
            continue
        cards.append(
            _card(
                actor,
                service,
                orgs.get(service.organization_id),
                visible_location(actor, locations.get(location_id or ""), service.organization_id),
                addresses.get(location_id or "", []),
                [lang.name or lang.code or "" for lang in languages[service_id]],
                hours_lines(own_hours[service_id], "service")
                + hours_lines(place_hours.get(location_id or "", []), "location"),
            )
        )
    return cards


def _card(
    actor: Principal,
    service: Service,
    org: Organization | None,
    location: Location | None,
    addresses: Sequence[Address],
    languages: list[str],
    hours: list[HoursLine],
) -> ServiceCard:
    address = public_address(actor, addresses, service.organization_id) if location else None
    return ServiceCard(
        service_id=service.id,
        name=service.name,
        organization_id=service.organization_id,
        organization_name=org.name if org else "",
        location_id=location.id if location else None,
        location_name=location.name if location else None,
        address=address_line(address),
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        capacity_status=service.capacity_status.value if service.capacity_status else None,
        accepts_referrals=service.accepts_referrals,
        last_verified_at=service.last_verified_at,
        languages=tuple(dict.fromkeys(name for name in languages if name)),
        hours=tuple(line for line in hours if location is not None or line.applies_to == "service"),
        fees=service.fees,
        delivery_mode=service.delivery_mode.value,
    )
