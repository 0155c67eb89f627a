"""An organization's own view of its listings: profile, services with hours and capacity, places."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import NotFound
from hub.identity.principal import Principal
from providers import batch
from providers.models import Address, Location, Organization, Schedule, Service, ServiceCapacity
from providers.verification import is_stale


@dataclass(frozen=True, slots=True)
class ServiceListing:
    """One service as its organization maintains it, with whether it needs verifying."""

    service: Service
    schedules: list[Schedule]
    capacities: list[ServiceCapacity]
    locations: list[Location]
    stale: bool


@dataclass(frozen=True, slots=True)
class PlaceListing:
    """One of the organization's locations with its addresses."""

    location: Location
    addresses: list[Address]


@dataclass(frozen=True, slots=True)
class OrganizationListings:
    """Everything an organization's staff keep current about it in the directory."""

    organization: Organization
    services: list[ServiceListing]
    places: list[PlaceListing]
    can_manage: bool

    @property
    def stale_count(self) -> int:
        """How many services need verifying."""
        return sum(1 for s in self.services if s.stale)


async def organization_listings(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    organization_id: str,
    stale_after_days: int,
) -> OrganizationListings:
    """The listings of an organization, for its members (read) and admins or hub admins (edit)."""
    actor.require_authenticated()
    if not (actor.is_member(organization_id) or actor.is_hub_admin or actor.is_system):
        raise NotFound("Organization", organization_id)
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization", organization_id)
    (services,) = await batch.services_by_organization(session, [organization_id])
    ids = [s.id for s in services]
    schedules = await batch.schedules_by_service(session, ids)
    capacities = await batch.capacities_by_service(session, ids)
    located = await batch.locations_by_service(session, ids)
    (locations,) = await batch.locations_by_organization(session, [organization_id])
    addresses = await batch.addresses_by_location(session, [loc.id for loc in locations])
    now = clock.now()
    return OrganizationListings(
        organization=organization,
        services=[
            ServiceListing(
                service=service,
                schedules=schedules[i],
                capacities=capacities[i],
                locations=located[i],
                stale=is_stale(
                    service.last_verified_at, now=now, stale_after_days=stale_after_days
                ),
            )
            for i, service in enumerate(services)
        ],
        places=[
            PlaceListing(location=loc, addresses=addresses[i]) for i, loc in enumerate(locations)
        ],
        can_manage=actor.can_manage_organization(organization_id),
    )
