"""Directory queries over HTTP: services by need with locations and phones, privacy, ids, paging."""

from __future__ import annotations

import base64

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.models import OrgRole
from providers.models import ServiceStatus
from schema.relay import to_global_id
from tests.builders import (
    make_location,
    make_organization,
    make_person,
    make_phone,
    make_service,
    make_service_at_location,
    need,
    tag,
)
from tests.schema.conftest import GQL

SERVICES = """
query($filter: ServiceFilter, $first: Int, $after: String) {
  services(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id name status
      organization { name }
      needs { code }
      locations { name latitude addresses { postalCode } phones { number } }
      phones { number } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_services_in_a_need_include_children_with_locations_and_phones(
    session: AsyncSession, gql: GQL
) -> None:
    org = await make_organization(session)
    pantry = await make_service(session, org, "Pantry")
    clinic = await make_service(session, org, "Clinic")
    place = await make_location(session, org)
    await make_service_at_location(session, pantry, place)
    await make_phone(session, "408-555-0101", location_id=place.id)
    await make_phone(session, "408-555-0102", service_id=pantry.id)
    await tag(session, pantry, await need(session, "food.pantry"))
    await tag(session, clinic, await need(session, "health"))
    await session.commit()

    body = await gql(SERVICES, {"filter": {"needs": ["food"]}})

    assert "errors" not in body, body
    edges = body["data"]["services"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["Pantry"]
    node = edges[0]["node"]
    assert node["needs"] == [{"code": "food.pantry"}]
    assert node["organization"] == {"name": "Eastside CBO"}
    assert node["locations"][0]["addresses"] == [{"postalCode": "95112"}]
    assert node["locations"][0]["phones"] == [{"number": "408-555-0101"}]
    assert node["phones"] == [{"number": "408-555-0102"}]
    assert node["id"] == to_global_id("Service", pantry.id)


async def test_anonymous_sees_active_services_only_and_staff_all(
    session: AsyncSession, gql: GQL
) -> None:
    org = await make_organization(session)
    await make_service(session, org, "Open")
    closed = await make_service(session, org, "Closed", status=ServiceStatus.INACTIVE)
    staff = await make_person(session, "coach@example.org", organization=org, role=OrgRole.STAFF)
    await session.commit()

    anonymous = await gql(SERVICES)
    signed_in = await gql(SERVICES, headers=staff.headers)
    single = await gql(
        "query($id: ID!) { service(id: $id) { name } }", {"id": to_global_id("Service", closed.id)}
    )

    assert [e["node"]["name"] for e in anonymous["data"]["services"]["edges"]] == ["Open"]
    assert [e["node"]["name"] for e in signed_in["data"]["services"]["edges"]] == ["Closed", "Open"]
    assert single["data"]["service"] is None


async def test_private_location_hides_address_phones_and_coordinates(
    session: AsyncSession, gql: GQL
) -> None:
    org = await make_organization(session, "Shelter")
    other = await make_organization(session, "Other")
    service = await make_service(session, org, "Safe house")
    place = await make_location(session, org, "Hidden", is_private=True)
    await make_service_at_location(session, service, place)
    await make_phone(session, "408-555-0199", location_id=place.id)
    own = await make_person(session, "staff@shelter.org", organization=org, role=OrgRole.STAFF)
    stranger = await make_person(session, "admin@other.org", organization=other)
    admin = await make_person(session, "admin@hub.org", is_hub_admin=True)
    await session.commit()

    def first_location(body: dict[str, object]) -> dict[str, object]:
        return body["data"]["services"]["edges"][0]["node"]["locations"][0]  # type: ignore[index,no-any-return]

    hidden = {"name": "Hidden", "latitude": None, "addresses": [], "phones": []}
    assert first_location(await gql(SERVICES)) == hidden
    assert first_location(await gql(SERVICES, headers=stranger.headers)) == hidden
    for person in (own, admin):
        shown = first_location(await gql(SERVICES, headers=person.headers))
        assert shown["latitude"] == 37.35
        assert shown["phones"] == [{"number": "408-555-0199"}]


async def test_keyset_pages_walk_every_service_once(session: AsyncSession, gql: GQL) -> None:
    org = await make_organization(session)
    names = [f"Service {i:02d}" for i in range(7)]
    for name in names:
        await make_service(session, org, name)
    await session.commit()

    seen: list[str] = []
    after = None
    while True:
        body = await gql(SERVICES, {"first": 3, "after": after})
        page = body["data"]["services"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == names


async def test_page_size_over_the_maximum_and_bad_cursor_are_typed_errors(gql: GQL) -> None:
    too_many = await gql(SERVICES, {"first": 101})
    bad_cursor = await gql(SERVICES, {"after": "not-a-cursor"})

    assert too_many["data"] is None
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"
    assert "1 to 100" in too_many["errors"][0]["message"]
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID"


async def test_node_resolves_global_ids_and_rejects_malformed_ones(
    session: AsyncSession, gql: GQL
) -> None:
    org = await make_organization(session)
    await session.commit()
    query = "query($id: ID!) { node(id: $id) { id ... on Organization { name } } }"

    found = await gql(query, {"id": to_global_id("Organization", org.id)})
    malformed = await gql(query, {"id": "%%%not-base64"})
    wrong_kind = await gql(query, {"id": base64.b64encode(b"Nope:123").decode()})

    assert found["data"]["node"]["name"] == "Eastside CBO"
    for body in (malformed, wrong_kind):
        assert body["data"]["node"] is None
        assert body["errors"][0]["extensions"]["code"] == "INVALID"
        assert "Traceback" not in str(body)


async def test_bad_token_is_unauthenticated_not_anonymous(gql: GQL) -> None:
    body = await gql("{ me { email } }", headers={"Authorization": "Bearer nope"}, status=401)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_me_lists_memberships(session: AsyncSession, gql: GQL) -> None:
    org = await make_organization(session)
    person = await make_person(session, "admin@eastside.org", organization=org)
    await session.commit()

    body = await gql("{ me { email memberships { organizationId role } } }", headers=person.headers)
    anonymous = await gql("{ me { email } }")

    assert body["data"]["me"] == {
        "email": "admin@eastside.org",
        "memberships": [
            {"organizationId": to_global_id("Organization", org.id), "role": "org_admin"}
        ],
    }
    assert anonymous["data"]["me"] is None


async def test_taxonomy_terms_list_top_level_and_children(gql: GQL) -> None:
    top = await gql("{ taxonomyTerms { code } }")
    food = await gql('{ taxonomyTerms(parentCode: "food") { code parent { code } } }')

    codes = [t["code"] for t in top["data"]["taxonomyTerms"]]
    assert {"food", "housing"} <= set(codes)
    assert len(codes) >= 20
    assert {"code": "food.pantry", "parent": {"code": "food"}} in food["data"]["taxonomyTerms"]


async def test_organizations_locations_and_service_filters(session: AsyncSession, gql: GQL) -> None:
    east = await make_organization(session, "East")
    west = await make_organization(session, "West")
    await make_service(session, east, "Pantry")
    await make_service(session, west, "Tutoring", status=ServiceStatus.TEMPORARILY_CLOSED)
    await make_location(session, east, "East office")
    await make_location(session, west, "West office")
    admin = await make_person(session, "admin@hub.org", is_hub_admin=True)
    await session.commit()
    west_id = to_global_id("Organization", west.id)

    orgs = await gql('{ organizations(text: "ea") { edges { node { name services { name } } } } }')
    places = await gql(
        "query($o: ID) { locations(organizationId: $o) { nodes { name organization { name } } } }",
        {"o": west_id},
    )
    by_org = await gql(
        SERVICES,
        {"filter": {"organizationId": west_id, "status": ["TEMPORARILY_CLOSED"]}},
        headers=admin.headers,
    )
    unknown_need = await gql(SERVICES, {"filter": {"needs": ["nonsense"]}})
    bad_org = await gql(SERVICES, {"filter": {"organizationId": "nope"}})
    one = await gql("query($id: ID!) { organization(id: $id) { name } }", {"id": west_id})

    assert orgs["data"]["organizations"]["edges"] == [
        {"node": {"name": "East", "services": [{"name": "Pantry"}]}}
    ]
    assert places["data"]["locations"]["nodes"] == [
        {"name": "West office", "organization": {"name": "West"}}
    ]
    assert [e["node"]["status"] for e in by_org["data"]["services"]["edges"]] == [
        "TEMPORARILY_CLOSED"
    ]
    assert unknown_need["errors"][0]["extensions"] == {
        "code": "INVALID",
        "fields": [
            {"field": "needs", "code": "UNKNOWN_NEED", "message": "Unknown need codes: nonsense."}
        ],
    }
    assert bad_org["errors"][0]["extensions"]["code"] == "INVALID"
    assert one["data"]["organization"] == {"name": "West"}
