"""`clients(search:)` and `serviceMarkVerified` over GraphQL: scoped results, typed errors."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from schema.relay import to_global_id
from tests.builders import make_service
from tests.schema.conftest import GQL, World, world

__all__ = ["world"]

ADD = """
mutation($input: ClientCreateInput!) { clientCreate(input: $input) {
  __typename ... on ClientPayload { client { id name } } } }
"""
SEARCH = """
query($q: String!, $org: ID) { clients(search: $q, organizationId: $org) { id name phone } }
"""
VERIFY = """
mutation($id: ID!, $v: Int) { serviceMarkVerified(serviceId: $id, expectedVersion: $v) {
  __typename ... on ServicePayload { service { lastVerifiedAt lastVerifiedBy version } }
  ... on Forbidden { code } ... on Conflict { actualVersion } } }
"""


async def test_clients_search_finds_own_clients_only(gql: GQL, world: World) -> None:
    east = to_global_id("Organization", world.east.id)
    west = to_global_id("Organization", world.west.id)
    for org, person, name in (
        (east, world.east_coach, "Ana Ruiz"),
        (west, world.west_admin, "Ana Ruiz West"),
    ):
        made = await gql(
            ADD,
            {"input": {"organizationId": org, "name": name, "phone": "510-555-0199"}},
            headers=person.headers,
        )
        assert made["data"]["clientCreate"]["__typename"] == "ClientPayload"
    found = await gql(SEARCH, {"q": "5105550199"}, headers=world.east_coach.headers)
    assert [c["name"] for c in found["data"]["clients"]] == ["Ana Ruiz"]
    foreign = await gql(SEARCH, {"q": "ana", "org": west}, headers=world.east_coach.headers)
    assert foreign["data"] is None
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    short = await gql(SEARCH, {"q": "a"}, headers=world.east_coach.headers)
    assert short["errors"][0]["extensions"]["code"] == "INVALID"
    assert "2 to 100 characters" in short["errors"][0]["message"]
    audited = await gql(SEARCH, {"q": "ana"}, headers=world.auditor.headers)
    assert audited["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_service_mark_verified_for_admins(
    gql: GQL, world: World, session: AsyncSession
) -> None:
    svc = await make_service(session, world.east)
    ident = to_global_id("Service", svc.id)
    await session.commit()
    refused = await gql(VERIFY, {"id": ident}, headers=world.east_coach.headers)
    assert refused["data"]["serviceMarkVerified"]["__typename"] == "Forbidden"
    done = await gql(VERIFY, {"id": ident, "v": 1}, headers=world.east_admin.headers)
    verified = done["data"]["serviceMarkVerified"]["service"]
    assert verified["lastVerifiedAt"] is not None
    assert verified["version"] == 2
    stale = await gql(VERIFY, {"id": ident, "v": 1}, headers=world.hub_admin.headers)
    assert stale["data"]["serviceMarkVerified"] == {"__typename": "Conflict", "actualVersion": 2}
