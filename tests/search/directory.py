"""A small East Bay directory built row by row, shaped to exercise every search filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from providers import models as m
from providers.needs_taxonomy import need_id

VERIFIED = datetime(2026, 10, 1, tzinfo=UTC)
STALE = datetime(2023, 1, 1, tzinfo=UTC)
ZIP_94601 = (37.7806, -122.2166)
LA = "America/Los_Angeles"
NY = "America/New_York"


@dataclass(frozen=True)
class Listing:
    """One service and (optionally) its place, with the facts search cares about."""

    key: str
    name: str
    needs: tuple[str, ...]
    point: tuple[float, float] | None
    languages: tuple[str, ...] = ("es",)
    cost: Decimal | None = Decimal(0)
    hours: tuple[str, time, time] | None = ("MO,TU,WE,TH,FR", time(9), time(20))
    timezone: str | None = LA
    postal_code: str = "94601"
    status: m.ServiceStatus = m.ServiceStatus.ACTIVE
    delivery: m.DeliveryMode = m.DeliveryMode.IN_PERSON
    area: tuple[str, str] | None = None
    description: str = ""
    organization: str = "Unity Council"
    capacity: m.CapacityStatus | None = m.CapacityStatus.CAPACITY
    verified: datetime = VERIFIED


LISTINGS = (
    Listing(
        "evening_childcare",
        "Evening Childcare Center",
        ("childcare.center",),
        (37.7760, -122.2250),
        description="Licensed childcare for parents who work or study in the evening.",
    ),
    Listing(
        "bus_pass",
        "Bus Pass Program",
        ("transportation.transit_pass",),
        (37.8044, -122.2712),
        languages=("es", "en"),
        organization="East Bay Rides",
        capacity=m.CapacityStatus.WAITLIST,
        description="Free AC Transit passes for job seekers.",
    ),
    Listing(
        "berkeley_rides",
        "Ride to Work",
        ("transportation.rides",),
        (37.8716, -122.2727),
        organization="East Bay Rides",
        postal_code="94704",
    ),
    Listing(
        "sliding_daycare",
        "Sliding-Scale Daycare",
        ("childcare.center",),
        (37.7700, -122.2000),
        cost=Decimal(50),
    ),
    Listing(
        "day_childcare",
        "Daytime Child Care",
        ("childcare",),
        (37.7900, -122.2300),
        hours=("MO,TU,WE,TH,FR", time(8), time(17)),
    ),
    Listing(
        "gas_help",
        "Gas Card Help",
        ("transportation.gas",),
        (37.7850, -122.2200),
        languages=("en",),
        organization="East Bay Rides",
    ),
    Listing("pantry", "Fruitvale Food Pantry", ("food.pantry",), (37.7810, -122.2170)),
    Listing(
        "closed_childcare",
        "Closed Childcare",
        ("childcare.center",),
        (37.7790, -122.2190),
        status=m.ServiceStatus.INACTIVE,
    ),
    Listing(
        "county_vouchers",
        "Alameda County Transit Vouchers",
        ("transportation.transit_pass",),
        None,
        delivery=m.DeliveryMode.PHONE,
        area=("county", "Alameda County, CA"),
        organization="Alameda County Social Services",
    ),
    Listing(
        "nyc_childcare",
        "Chelsea Childcare",
        ("childcare.center",),
        (40.7506, -73.9972),
        hours=("MO,TU,WE,TH,FR", time(9), time(17)),
        timezone=NY,
        postal_code="10001",
        organization="Hudson Guild",
    ),
    Listing(
        "online_subsidy",
        "Online Childcare Subsidy Application",
        ("childcare.subsidy",),
        None,
        delivery=m.DeliveryMode.ONLINE,
        organization="State Childcare Office",
        capacity=None,
        verified=STALE,
    ),
)


@dataclass
class Directory:
    """Ids of what was created, by listing key."""

    services: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)
    sals: dict[str, str] = field(default_factory=dict)
    organizations: dict[str, str] = field(default_factory=dict)


async def build_directory(
    session: AsyncSession, listings: tuple[Listing, ...] = LISTINGS
) -> Directory:
    """Insert the listings (organizations shared by name) and commit."""
    made = Directory()
    for item in listings:
        org_id = made.organizations.get(item.organization)
        if org_id is None:
            org = m.Organization(
                name=item.organization, description=f"{item.organization} serves the East Bay."
            )
            session.add(org)
            org_id = made.organizations[item.organization] = org.id
        service = m.Service(
            organization_id=org_id,
            name=item.name,
            description=item.description or f"{item.name} for families.",
            status=item.status,
            delivery_mode=item.delivery,
            accepts_referrals=True,
            capacity_status=item.capacity,
            last_verified_at=item.verified,
        )
        session.add(service)
        made.services[item.key] = service.id
        await session.flush()
        for code in item.needs:
            session.add(
                m.Attribute(
                    link_id=service.id,
                    taxonomy_term_id=need_id(code),
                    link_entity="service",
                    link_type="need",
                )
            )
        for code in item.languages:
            session.add(m.Language(service_id=service.id, code=code))
        if item.cost is not None:
            session.add(m.CostOption(service_id=service.id, amount=item.cost, currency="USD"))
        if item.area is not None:
            session.add(
                m.ServiceArea(service_id=service.id, extent_type=item.area[0], extent=item.area[1])
            )
        if item.point is not None:
            location = m.Location(
                organization_id=org_id,
                name=f"{item.name} site",
                latitude=item.point[0],
                longitude=item.point[1],
                geocode_status=m.GeocodeStatus.OK,
                geocode_precision=m.GeocodePrecision.ROOFTOP,
                timezone_name=item.timezone,
            )
            session.add(location)
            await session.flush()
            session.add(
                m.Address(
                    location_id=location.id,
                    address_1="1 Main St",
                    city="Oakland",
                    state_province="CA",
                    postal_code=item.postal_code,
                )
            )
            sal = m.ServiceAtLocation(service_id=service.id, location_id=location.id)
            session.add(sal)
            made.locations[item.key] = location.id
            made.sals[item.key] = sal.id
        if item.hours is not None:
            byday, opens, closes = item.hours
            session.add(
                m.Schedule(
                    service_id=service.id,
                    freq=m.ScheduleFrequency.WEEKLY,
                    byday=byday,
                    opens_at=opens,
                    closes_at=closes,
                    timezone_name=item.timezone,
                )
            )
    await session.commit()
    return made
