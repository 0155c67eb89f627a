"""Listing services with nested locations, phones and needs takes a fixed number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.container import Container
from providers.models import Address, Attribute, Location, Phone, Service, ServiceAtLocation
from tests.builders import make_organization, need
from tests.schema.conftest import GQL

QUERY = """query($first: Int) { services(first: $first) { edges { node {
  name organization { name } needs { code parent { code } } programFacts { credential }
  phones { number } schedules { byday }
  locations { name latitude addresses { postalCode } phones { number } schedules { byday }
              organization { name } }
} } } }"""


async def _populate(session: AsyncSession, count: int) -> None:
    orgs = [await make_organization(session, f"Org {i}") for i in range(3)]
    terms = [await need(session, code) for code in ("food.pantry", "housing", "legal")]
    for i in range(count):
        org = orgs[i % 3]
        service = Service(organization_id=org.id, name=f"Service {i:03d}")
        places = [
            Location(organization_id=org.id, name=f"Place {i}-{j}", latitude=37.0, longitude=-121.0)
            for j in range(2)
        ]
        session.add_all([service, *places])
        await session.flush()
        session.add(Phone(service_id=service.id, number="408-555-0100"))
        session.add(
            Attribute(
                link_id=service.id,
                taxonomy_term_id=terms[i % 3].id,
                link_type="need",
                link_entity="service",
            )
        )
        for place in places:
            session.add(ServiceAtLocation(service_id=service.id, location_id=place.id))
            session.add(Phone(location_id=place.id, number="408-555-0101"))
            session.add(
                Address(
                    location_id=place.id,
                    address_1="1 Main St",
                    city="San Jose",
                    state_province="CA",
                    postal_code="95112",
                )
            )
    await session.commit()


async def _statements(container: Container, gql: GQL, first: int) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(container.engine.sync_engine, "before_cursor_execute", count)
    try:
        body = await gql(QUERY, {"first": first})
    finally:
        event.remove(container.engine.sync_engine, "before_cursor_execute", count)
    edges = body["data"]["services"]["edges"]
    assert len(edges) == first
    assert all(len(e["node"]["locations"]) == 2 for e in edges)
    assert all(e["node"]["locations"][0]["phones"] for e in edges)
    return len(seen)


async def test_listing_100_services_is_bounded_independent_of_n(
    session: AsyncSession, container: Container, gql: GQL
) -> None:
    await _populate(session, 100)

    ten = await _statements(container, gql, 10)
    hundred = await _statements(container, gql, 100)

    print(f"statements: 10 services -> {ten}, 100 services -> {hundred}")
    assert hundred == ten
    assert hundred <= 20
