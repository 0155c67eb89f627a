"""Security test fixtures: the real app, people with tokens, a referral and its client link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.app import create_app
from hub.container import Container, build_container
from hub.core.clock import FixedClock
from hub.core.settings import Settings
from hub.identity.models import OrgRole
from referrals.links import issue_link
from referrals.models import Referral
from tests.builders import Person, make_person
from tests.referrals.builders import World, furnish_service, make_referral, make_world


@dataclass(frozen=True, slots=True)
class Hostile:
    """What hostile requests aim at: a world of people, a referral and its client link."""

    world: World
    referral: Referral
    link_token: str
    coach: Person
    admin: Person


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The hub's container over the test database."""
    the_container = build_container(settings)
    yield the_container
    await the_container.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the real ASGI app in-process."""
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


@pytest.fixture
async def hostile(session: AsyncSession) -> Hostile:
    """A committed world with a sent referral and a live client link."""
    world = await make_world(session)
    await furnish_service(session, world.service)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session,
        actor=world.sender,
        clock=FixedClock(datetime.now(UTC)),
        referral_id=referral.id,
        ttl=timedelta(days=30),
    )
    coach = await make_person(
        session, "coach@east.example", organization=world.sender_org, role=OrgRole.STAFF
    )
    admin = await make_person(session, "admin@north.example", organization=world.receiver_org)
    await session.commit()
    return Hostile(world, referral, issued.token, coach, admin)
