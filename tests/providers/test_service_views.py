"""Result cards and the service detail read model: facts gathered, visibility rules applied."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import NotFound
from hub.identity.principal import ANONYMOUS
from providers.models import (
    Address,
    Language,
    Location,
    Phone,
    ProgramFacts,
    Schedule,
    ServiceAtLocation,
    ServiceStatus,
)
from providers.service_cards import service_cards
from providers.service_detail import service_detail
from tests.referrals.builders import make_service, make_world


async def test_cards_carry_place_hours_languages_and_hide_what_the_actor_may_not_see(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    shelter = Location(organization_id=world.receiver_org.id, name="Safe house", is_private=True)
    office = Location(
        organization_id=world.receiver_org.id, name="Office", latitude=37.8, longitude=-122.2
    )
    session.add_all([shelter, office])
    await session.flush()
    session.add_all(
        [
            ServiceAtLocation(service_id=world.service.id, location_id=office.id),
            ServiceAtLocation(service_id=world.service.id, location_id=shelter.id),
            Address(
                location_id=office.id,
                address_1="1 Main St",
                city="Oakland",
                state_province="CA",
                postal_code="94601",
            ),
            Address(
                location_id=shelter.id,
                address_1="9 Hidden Ln",
                city="Oakland",
                state_province="CA",
                postal_code="94601",
            ),
            Language(service_id=world.service.id, name="Spanish", code="es"),
            Schedule(
                service_id=world.service.id,
                byday="MO,TU,WE,TH,FR",
                opens_at=time(9),
                closes_at=time(17),
            ),
            Schedule(location_id=office.id, byday="SA", opens_at=time(10), closes_at=time(14)),
        ]
    )
    paused = await make_service(
        session, world.receiver_org, status=ServiceStatus.INACTIVE, name="Paused"
    )
    await session.commit()
    keys = [(world.service.id, office.id), (world.service.id, shelter.id), (paused.id, None)]

    office_card, shelter_card, paused_card = await service_cards(
        session=session, actor=world.sender, keys=keys
    )
    assert office_card is not None
    assert office_card.address == "1 Main St, Oakland, CA 94601"
    assert office_card.languages == ("Spanish",)
    assert {(h.applies_to, h.days) for h in office_card.hours} == {
        ("service", ("MO", "TU", "WE", "TH", "FR")),
        ("location", ("SA",)),
    }
    assert shelter_card is not None
    assert shelter_card.address is None  # a confidential place, for its own people only
    assert shelter_card.latitude is None
    assert paused_card is not None  # signed-in staff see every status

    [_, member_view, _] = await service_cards(session=session, actor=world.receiver, keys=keys)
    assert member_view is not None
    assert member_view.address == "9 Hidden Ln, Oakland, CA 94601"
    [_, _, public] = await service_cards(session=session, actor=ANONYMOUS, keys=keys)
    assert public is None


async def test_detail_gathers_phones_places_and_program_costs(session: AsyncSession) -> None:
    world = await make_world(session)
    office = Location(organization_id=world.receiver_org.id, name="Office")
    session.add(office)
    await session.flush()
    session.add_all(
        [
            ServiceAtLocation(service_id=world.service.id, location_id=office.id),
            Phone(service_id=world.service.id, number="(510) 555-0100", description="Intake"),
            Phone(service_id=world.service.id, number="(510) 555-0199", is_private=True),
            ProgramFacts(
                service_id=world.service.id,
                tuition=Decimal(1200),
                other_costs=Decimal(300),
                schedule_fit="evening",
            ),
        ]
    )
    await session.commit()
    detail = await service_detail(session=session, actor=world.sender, service_id=world.service.id)
    assert [p.number for p in detail.phones] == ["(510) 555-0100"]
    assert detail.phones[0].description == "Intake"
    assert [p.name for p in detail.places] == ["Office"]
    assert detail.total_cost == 1500
    owner = await service_detail(session=session, actor=world.receiver, service_id=world.service.id)
    assert len(owner.phones) == 2
    with pytest.raises(NotFound):
        await service_detail(session=session, actor=world.sender, service_id="no-such-service")
