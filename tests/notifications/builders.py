"""Builders for notification tests: two organizations with staff, a service and a client."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.ids import new_id
from hub.identity.models import Membership, OrgRole, User
from hub.identity.principal import Principal
from providers.models import Location, Organization, Service, ServiceAtLocation
from referrals.clients import ClientData, create_client, record_consent
from referrals.models import Client, ConsentScope, NotifyChannel


@dataclass
class Party:
    """A staff user and the principal acting as them."""

    user: User
    principal: Principal


@dataclass
class Network:
    """Sender and receiver organizations, their staff, an accepting service, a client."""

    sender_org: Organization
    receiver_org: Organization
    service: Service
    sender: Party
    receiver: Party
    admin_sender: Principal
    admin_receiver: Principal
    client: Client


async def make_party(
    session: AsyncSession, org: Organization, name: str, *, language: str = "en"
) -> Party:
    """A staff member of an organization (user row, membership, principal)."""
    user = User(
        email=f"{name.lower().replace(' ', '.')}.{new_id()[:6]}@example.org",
        name=name,
        password_hash="x",
        preferred_language=language,
    )
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, organization_id=org.id, role=OrgRole.STAFF))
    await session.flush()
    return Party(user, Principal(user_id=user.id, name=name, org_roles={org.id: OrgRole.STAFF}))


async def build_network(
    factory: SessionFactory,
    clock: Clock,
    *,
    client_channel: NotifyChannel = NotifyChannel.EMAIL,
    client_language: str = "es",
    receiver_referral_email: str | None = "intake@northside.example.org",
    timezone_name: str | None = None,
) -> Network:
    """Create and commit the network."""
    async with factory() as session:
        sender_org = Organization(name="Eastside Career Center", description="Coaching")
        receiver_org = Organization(
            name="Northside Food Bank", description="Food", referral_email=receiver_referral_email
        )
        session.add_all([sender_org, receiver_org])
        await session.flush()
        service = Service(
            organization_id=receiver_org.id, name="Food pantry", accepts_referrals=True
        )
        session.add(service)
        await session.flush()
        if timezone_name:
            location = Location(
                organization_id=receiver_org.id, name="Pantry", timezone_name=timezone_name
            )
            session.add(location)
            await session.flush()
            session.add(ServiceAtLocation(service_id=service.id, location_id=location.id))
        sender = await make_party(session, sender_org, "Sam Sender", language="es")
        receiver = await make_party(session, receiver_org, "Rita Receiver")
        client = await create_client(
            session=session,
            actor=sender.principal,
            clock=clock,
            data=ClientData(
                organization_id=sender_org.id,
                name="Maria Lopez",
                phone="+1 555 010 2000",
                email="maria@example.net",
                preferred_language=client_language,
                preferred_channel=client_channel,
            ),
        )
        await record_consent(
            session=session,
            actor=sender.principal,
            clock=clock,
            client_id=client.id,
            scope=ConsentScope.REFERRAL,
        )
        await session.commit()
    return Network(
        sender_org=sender_org,
        receiver_org=receiver_org,
        service=service,
        sender=sender,
        receiver=receiver,
        admin_sender=Principal(user_id=sender.user.id, org_roles={sender_org.id: OrgRole.ADMIN}),
        admin_receiver=Principal(
            user_id=receiver.user.id, org_roles={receiver_org.id: OrgRole.ADMIN}
        ),
        client=client,
    )
