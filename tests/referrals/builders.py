"""Small typed builders for referral tests: organizations, services, staff, clients with consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock, FixedClock
from hub.core.ids import new_id
from hub.identity.models import OrgRole, User
from hub.identity.principal import Principal
from providers.models import (
    Address,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from referrals.clients import ClientData, create_client, record_consent
from referrals.models import Client, ConsentScope, Referral
from referrals.service import ReferralData, create_referral, send_referral

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
CLOCK: Clock = FixedClock(T0)


async def make_org(session: AsyncSession, name: str) -> Organization:
    org = Organization(name=name, description=f"{name} serves the county")
    session.add(org)
    await session.flush()
    return org


async def make_service(
    session: AsyncSession,
    org: Organization,
    *,
    accepts: bool = True,
    status: ServiceStatus = ServiceStatus.ACTIVE,
    name: str = "Food pantry",
) -> Service:
    service = Service(organization_id=org.id, name=name, accepts_referrals=accepts, status=status)
    session.add(service)
    await session.flush()
    return service


async def make_staff(
    session: AsyncSession,
    org: Organization | None,
    *,
    name: str = "Coach",
    is_auditor: bool = False,
    is_hub_admin: bool = False,
) -> Principal:
    user = User(
        email=f"{new_id()[:8]}@example.org",
        name=name,
        password_hash="x",
        is_auditor=is_auditor,
        is_hub_admin=is_hub_admin,
    )
    session.add(user)
    await session.flush()
    roles = {org.id: OrgRole.STAFF} if org is not None else {}
    return Principal(
        user_id=user.id,
        name=name,
        is_auditor=is_auditor,
        is_hub_admin=is_hub_admin,
        org_roles=roles,
    )


async def make_client(
    session: AsyncSession, actor: Principal, org: Organization, *, consent: bool = True
) -> Client:
    client = await create_client(
        session=session,
        actor=actor,
        clock=CLOCK,
        data=ClientData(
            organization_id=org.id,
            name="Maria Lopez",
            phone="+1 555 010 2000",
            email="maria@example.net",
            preferred_language="es",
        ),
    )
    if consent:
        await record_consent(
            session=session,
            actor=actor,
            clock=CLOCK,
            client_id=client.id,
            scope=ConsentScope.REFERRAL,
        )
    return client


@dataclass
class World:
    """Two organizations, their staff, an accepting service and a client with consent."""

    sender_org: Organization
    receiver_org: Organization
    other_org: Organization
    service: Service
    sender: Principal
    receiver: Principal
    outsider: Principal
    auditor: Principal
    client: Client


async def make_world(session: AsyncSession) -> World:
    sender_org = await make_org(session, "Eastside Career Center")
    receiver_org = await make_org(session, "Northside Food Bank")
    other_org = await make_org(session, "Unrelated Org")
    service = await make_service(session, receiver_org)
    sender = await make_staff(session, sender_org, name="Sam Sender")
    receiver = await make_staff(session, receiver_org, name="Rita Receiver")
    outsider = await make_staff(session, other_org, name="Otto Outsider")
    auditor = await make_staff(session, None, name="Ada Auditor", is_auditor=True)
    client = await make_client(session, sender, sender_org)
    await session.commit()
    return World(
        sender_org, receiver_org, other_org, service, sender, receiver, outsider, auditor, client
    )


async def make_referral(session: AsyncSession, world: World, *, send: bool = True) -> Referral:
    referral = await create_referral(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        data=ReferralData(
            client_id=world.client.id,
            service_id=world.service.id,
            need_codes=["food"],
            notes="Has two kids; prefers mornings.",
        ),
    )
    if send:
        await send_referral(
            session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id
        )
    await session.commit()
    return referral


async def furnish_service(session: AsyncSession, service: Service) -> None:
    """Give a service a place, an address, a phone, hours and documents to bring."""
    place = Location(
        organization_id=service.organization_id,
        name="Main pantry",
        latitude=37.3394,
        longitude=-121.8950,
    )
    session.add(place)
    await session.flush()
    session.add_all(
        [
            ServiceAtLocation(service_id=service.id, location_id=place.id),
            Address(
                location_id=place.id,
                address_1="123 Main St",
                city="San Jose",
                state_province="CA",
                postal_code="95112",
            ),
            Phone(service_id=service.id, number="(408) 555-0101"),
            Schedule(
                service_id=service.id,
                byday="MO,WE,FR",
                opens_at=time(9, 0),
                closes_at=time(17, 0),
            ),
            RequiredDocument(service_id=service.id, document="Photo ID"),
            RequiredDocument(service_id=service.id, document="Proof of address"),
        ]
    )
    await session.flush()
