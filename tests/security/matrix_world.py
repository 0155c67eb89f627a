"""The world of the authorization matrix: two partner organizations, an unrelated one, two
networks, a person in every role, and one of each object a mutation can touch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.events import OutboxEvent
from hub.identity.models import ApiToken, Network, NetworkOrganization, OrgRole
from providers.models import Phone, Program, Schedule, ScheduleFrequency, ServiceAtLocation
from referrals.clients import ClientData, create_client, record_consent
from referrals.links import issue_link
from referrals.models import ConsentScope
from referrals.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookSubscription,
)
from referrals.service import ReferralData, add_note, create_referral, send_referral
from schema.relay import to_global_id
from tests.builders import Person, make_location, make_organization, make_person, make_service

ROLES = (
    "anonymous",
    "sender_coach",
    "receiver_admin",
    "unrelated_admin",
    "network_auditor",
    "other_auditor",
    "hub_admin",
)


@dataclass(frozen=True, slots=True)
class MatrixWorld:
    """Global ids of the objects, and a person per role (anonymous has none)."""

    people: dict[str, Person]
    ids: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        """How a role authenticates (anonymous: not at all)."""
        return self.people[role].headers if role in self.people else {}


async def _auditor(session: AsyncSession, email: str, network: Network) -> Person:
    person = await make_person(session, email, is_auditor=True)
    person.user.auditor_network_id = network.id
    session.add(person.user)
    return person


async def build_matrix_world(session: AsyncSession) -> MatrixWorld:
    """Create and commit the world."""
    now = datetime.now(UTC)
    clock = FixedClock(now)
    east = await make_organization(session, "Eastside Career Center")
    north = await make_organization(session, "Northside Food Bank")
    west = await make_organization(session, "Westside Legal Aid")
    valley = Network(name="Valley Workforce Board")
    other = Network(name="Coastal Workforce Board")
    session.add_all([valley, other])
    await session.flush()
    session.add_all(
        [
            NetworkOrganization(network_id=valley.id, organization_id=east.id),
            NetworkOrganization(network_id=valley.id, organization_id=north.id),
            NetworkOrganization(network_id=other.id, organization_id=west.id),
        ]
    )
    people = {
        "sender_coach": await make_person(
            session, "coach@east.example", organization=east, role=OrgRole.STAFF
        ),
        "receiver_admin": await make_person(session, "admin@north.example", organization=north),
        "unrelated_admin": await make_person(session, "admin@west.example", organization=west),
        "network_auditor": await _auditor(session, "auditor@valley.example", valley),
        "other_auditor": await _auditor(session, "auditor@coast.example", other),
        "hub_admin": await make_person(session, "root@hub.example", is_hub_admin=True),
    }
    program = Program(organization_id=north.id, name="Food security")
    session.add(program)
    service = await make_service(session, north, "Pantry", accepts_referrals=True)
    location = await make_location(session, north, "Pantry hall")
    annex = await make_location(session, north, "Pantry annex")
    sal = ServiceAtLocation(service_id=service.id, location_id=location.id)
    schedule = Schedule(service_id=service.id, freq=ScheduleFrequency.WEEKLY, byday="MO")
    phone = Phone(service_id=service.id, number="408-555-0100")
    session.add_all([sal, schedule, phone])
    coach = people["sender_coach"].principal
    client = await create_client(
        session=session,
        actor=coach,
        clock=clock,
        data=ClientData(organization_id=east.id, name="Lena Okafor", phone="+1 408 555 0123"),
    )
    consent = await record_consent(
        session=session, actor=coach, clock=clock, client_id=client.id, scope=ConsentScope.REFERRAL
    )
    data = ReferralData(client_id=client.id, service_id=service.id, need_codes=["food"])
    sent = await create_referral(session=session, actor=coach, clock=clock, data=data)
    await send_referral(session=session, actor=coach, clock=clock, referral_id=sent.id)
    draft = await create_referral(session=session, actor=coach, clock=clock, data=data)
    await add_note(session=session, actor=coach, clock=clock, referral_id=sent.id, body="Called")
    link = await issue_link(
        session=session, actor=coach, clock=clock, referral_id=sent.id, ttl=timedelta(days=5)
    )
    hook = WebhookSubscription(
        organization_id=north.id, url="https://hooks.north.example/hub", secret="s" * 32
    )
    session.add(hook)
    await session.flush()
    event = (await session.exec(select(OutboxEvent).limit(1))).one()
    delivery = NotificationDelivery(
        event_id=event.id,
        subscriber_key=f"webhook:{hook.id}",
        channel=Channel.WEBHOOK,
        topic=event.topic,
        organization_id=north.id,
        subscription_id=hook.id,
        status=DeliveryStatus.FAILED,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    await session.commit()
    raw = {
        "Organization:east": east.id,
        "Organization:north": north.id,
        "Organization:west": west.id,
        "Network:valley": valley.id,
        "Program:north": program.id,
        "Service:north": service.id,
        "Location:north": location.id,
        "Location:annex": annex.id,
        "ServiceAtLocation:north": sal.id,
        "Schedule:north": schedule.id,
        "Phone:north": phone.id,
        "Client:east": client.id,
        "Consent:east": consent.id,
        "Referral:sent": sent.id,
        "Referral:draft": draft.id,
        "ClientLink:sent": link.link.id,
        "WebhookSubscription:north": hook.id,
        "WebhookDelivery:north": delivery.id,
    }
    ids = {key: str(to_global_id(key.split(":")[0], value)) for key, value in raw.items()}
    coach_token = await session.exec(
        select(ApiToken.id).where(ApiToken.user_id == people["sender_coach"].user.id)
    )
    ids["ApiToken:sender_coach"] = str(to_global_id("ApiToken", coach_token.one()))
    return MatrixWorld(people=people, ids=ids)
