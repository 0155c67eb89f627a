"""Fixtures for GraphQL tests: the real app over a fresh database, and a query helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.app import create_app
from hub.container import Container, build_container
from hub.core.settings import Settings
from hub.identity.models import OrgRole
from providers.models import Organization
from tests.builders import Person, make_organization, make_person


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The hub's container over the test database."""
    the_container = build_container(settings)
    yield the_container
    await the_container.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the ASGI app in-process."""
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


class GQL:
    """Posts GraphQL operations and returns the decoded body."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GQL:
    """Run GraphQL operations against the app."""
    return GQL(client)


@dataclass(frozen=True, slots=True)
class World:
    """Two organizations with an admin each, a coach of the first, a hub admin and an auditor."""

    east: Organization
    west: Organization
    east_admin: Person
    east_coach: Person
    west_admin: Person
    hub_admin: Person
    auditor: Person


@pytest.fixture
async def world(session: AsyncSession) -> World:
    """People and organizations for role tests (committed)."""
    east = await make_organization(session, "Eastside CBO")
    west = await make_organization(session, "Westside College")
    built = World(
        east=east,
        west=west,
        east_admin=await make_person(session, "admin@east.org", organization=east),
        east_coach=await make_person(
            session, "coach@east.org", organization=east, role=OrgRole.STAFF
        ),
        west_admin=await make_person(session, "admin@west.org", organization=west),
        hub_admin=await make_person(session, "root@hub.org", is_hub_admin=True),
        auditor=await make_person(session, "audit@board.org", is_auditor=True),
    )
    await session.commit()
    return built
