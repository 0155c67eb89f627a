"""Service and organization mutations over HTTP: success, roles, typed errors, no changes."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import OutboxEvent
from providers.models import Metadata, ProgramFacts, Service
from schema.relay import to_global_id
from tests.builders import make_service
from tests.schema.conftest import GQL, World

RESULT = """
  __typename
  ... on ServicePayload { service { id name status version needs { code }
      programFacts { credential tuition scheduleFit aidAccepted } organization { name } } }
  ... on ValidationFailed { message errors { field code message } }
  ... on NotFound { entity id }
  ... on Forbidden { message }
  ... on Unauthenticated { message }
  ... on Conflict { expectedVersion actualVersion }
"""
CREATE = f"mutation($input: ServiceInput!) {{ serviceCreate(input: $input) {{ {RESULT} }} }}"
UPDATE = f"""mutation($id: ID!, $input: ServiceInput!, $v: Int) {{
  serviceUpdate(id: $id, input: $input, expectedVersion: $v) {{ {RESULT} }} }}"""
DELETE = """mutation($id: ID!) { serviceDelete(id: $id) {
  __typename ... on Deleted { deletedId } ... on Forbidden { message }
  ... on NotFound { entity } } }"""


def org_id(world: World, which: str = "east") -> str:
    org = world.east if which == "east" else world.west
    return to_global_id("Organization", org.id)


async def count(session: AsyncSession, model: Any) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_org_admin_creates_a_training_program_with_needs(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    body = await gql(
        CREATE,
        {
            "input": {
                "organizationId": org_id(world),
                "name": "  Medical assistant certificate ",
                "needs": ["training", "employment"],
                "programFacts": {
                    "credential": "CCMA",
                    "occupationCode": "31-9092",
                    "tuition": "2400.00",
                    "scheduleFit": ["EVENING", "WEEKEND"],
                    "aidAccepted": ["WIOA_ITA"],
                },
            }
        },
        headers=world.east_admin.headers,
    )

    result = body["data"]["serviceCreate"]
    assert result["__typename"] == "ServicePayload", body
    svc = result["service"]
    assert svc["name"] == "Medical assistant certificate"
    assert [n["code"] for n in svc["needs"]] == ["employment", "training"]
    assert svc["programFacts"] == {
        "credential": "CCMA",
        "tuition": "2400.00",
        "scheduleFit": ["evening", "weekend"],
        "aidAccepted": ["wioa_ita"],
    }
    events = (await session.exec(select(OutboxEvent.topic))).all()
    assert "service.created" in events
    logged = (await session.exec(select(Metadata.field_name))).all()
    assert {"name", "needs", "program_facts"} <= set(logged)


async def test_org_admin_updates_own_service_and_is_forbidden_on_another(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    own = await make_service(session, world.east, "Pantry")
    other = await make_service(session, world.west, "Tutoring")
    await session.commit()

    ok = await gql(
        UPDATE,
        {"id": to_global_id("Service", own.id), "input": {"name": "Food pantry"}, "v": 1},
        headers=world.east_admin.headers,
    )
    refused = await gql(
        UPDATE,
        {"id": to_global_id("Service", other.id), "input": {"name": "Hijacked"}},
        headers=world.east_admin.headers,
    )

    assert ok["data"]["serviceUpdate"]["service"]["name"] == "Food pantry"
    assert ok["data"]["serviceUpdate"]["service"]["version"] == 2
    assert refused["data"]["serviceUpdate"]["__typename"] == "Forbidden"
    await session.refresh(other)
    assert other.name == "Tutoring"
    change = (await session.exec(select(Metadata).where(col(Metadata.resource_id) == own.id))).one()
    assert (change.field_name, change.previous_value, change.replacement_value) == (
        "name",
        "Pantry",
        "Food pantry",
    )
    assert change.updated_by == world.east_admin.user.id


async def test_stale_version_is_a_conflict(session: AsyncSession, gql: GQL, world: World) -> None:
    own = await make_service(session, world.east, "Pantry")
    await session.commit()

    body = await gql(
        UPDATE,
        {"id": to_global_id("Service", own.id), "input": {"name": "X"}, "v": 7},
        headers=world.east_admin.headers,
    )

    assert body["data"]["serviceUpdate"] == {
        "__typename": "Conflict",
        "expectedVersion": 7,
        "actualVersion": 1,
    }


async def test_anonymous_coach_and_auditor_cannot_change_listings(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    own = await make_service(session, world.east, "Pantry")
    await session.commit()
    variables = {"id": to_global_id("Service", own.id), "input": {"name": "Changed"}}

    anonymous = await gql(UPDATE, variables)
    coach = await gql(UPDATE, variables, headers=world.east_coach.headers)
    auditor = await gql(UPDATE, variables, headers=world.auditor.headers)
    admin = await gql(UPDATE, variables, headers=world.hub_admin.headers)

    assert anonymous["data"]["serviceUpdate"]["__typename"] == "Unauthenticated"
    assert coach["data"]["serviceUpdate"]["__typename"] == "Forbidden"
    assert auditor["data"]["serviceUpdate"]["__typename"] == "Forbidden"
    assert admin["data"]["serviceUpdate"]["__typename"] == "ServicePayload"


async def test_bad_input_reports_every_field_and_changes_nothing(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    before = await count(session, Service)

    body = await gql(
        CREATE,
        {
            "input": {
                "organizationId": org_id(world),
                "name": "x" * 300,
                "minimumAge": -1,
                "email": "not-an-email",
                "needs": ["food", "no-such-need"],
                "programFacts": {"completionRate": 1.5, "occupationCode": "nurse"},
            }
        },
        headers=world.east_admin.headers,
    )

    result = body["data"]["serviceCreate"]
    assert result["__typename"] == "ValidationFailed"
    codes = {(e["field"], e["code"]) for e in result["errors"]}
    assert codes == {
        ("name", "TOO_LONG"),
        ("minimumAge", "OUT_OF_RANGE"),
        ("email", "INVALID"),
        ("programFacts.completionRate", "OUT_OF_RANGE"),
        ("programFacts.occupationCode", "INVALID"),
    }
    assert await count(session, Service) == before
    assert await count(session, OutboxEvent) == 0


async def test_unknown_need_and_missing_name_are_typed(gql: GQL, world: World) -> None:
    missing = await gql(
        CREATE, {"input": {"organizationId": org_id(world)}}, headers=world.east_admin.headers
    )
    unknown = await gql(
        CREATE,
        {"input": {"organizationId": org_id(world), "name": "A", "needs": ["nope"]}},
        headers=world.east_admin.headers,
    )

    assert missing["data"]["serviceCreate"]["errors"] == [
        {"field": "name", "code": "REQUIRED", "message": "Field required"}
    ]
    assert unknown["data"]["serviceCreate"]["errors"][0]["code"] == "UNKNOWN_NEED"


async def test_unknown_and_malformed_ids_are_typed_errors(gql: GQL, world: World) -> None:
    unknown_service = to_global_id("Service", "00000000-0000-4000-8000-000000000000")
    unknown_org = to_global_id("Organization", "00000000-0000-4000-8000-000000000000")

    not_found = await gql(
        UPDATE, {"id": unknown_service, "input": {"name": "x"}}, headers=world.hub_admin.headers
    )
    malformed = await gql(
        UPDATE, {"id": "garbage!", "input": {"name": "x"}}, headers=world.hub_admin.headers
    )
    wrong_type = await gql(
        CREATE,
        {"input": {"organizationId": unknown_service, "name": "x"}},
        headers=world.hub_admin.headers,
    )
    no_org = await gql(
        CREATE,
        {"input": {"organizationId": unknown_org, "name": "x"}},
        headers=world.hub_admin.headers,
    )

    assert not_found["data"]["serviceUpdate"]["__typename"] == "NotFound"
    assert malformed["data"]["serviceUpdate"]["errors"][0]["field"] == "id"
    assert wrong_type["data"]["serviceCreate"]["errors"][0] == {
        "field": "organizationId",
        "code": "INVALID",
        "message": "Expected the id of a Organization.",
    }
    assert no_org["data"]["serviceCreate"]["errors"][0]["code"] == "NOT_FOUND"


async def test_invalid_enum_value_is_a_coded_query_error(gql: GQL, world: World) -> None:
    body = await gql(
        CREATE,
        {"input": {"organizationId": org_id(world), "name": "A", "status": "BOGUS"}},
        headers=world.east_admin.headers,
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_QUERY"
    assert "BOGUS" in body["errors"][0]["message"]


async def test_program_facts_removed_with_null_and_service_deleted(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    created = await gql(
        CREATE,
        {
            "input": {
                "organizationId": org_id(world),
                "name": "CNA",
                "programFacts": {"credential": "CNA"},
            }
        },
        headers=world.east_admin.headers,
    )
    gid = created["data"]["serviceCreate"]["service"]["id"]

    cleared = await gql(
        UPDATE, {"id": gid, "input": {"programFacts": None}}, headers=world.east_admin.headers
    )
    forbidden = await gql(DELETE, {"id": gid}, headers=world.west_admin.headers)
    deleted = await gql(DELETE, {"id": gid}, headers=world.east_admin.headers)

    assert cleared["data"]["serviceUpdate"]["service"]["programFacts"] is None
    assert await count(session, ProgramFacts) == 0
    assert forbidden["data"]["serviceDelete"]["__typename"] == "Forbidden"
    assert deleted["data"]["serviceDelete"] == {"__typename": "Deleted", "deletedId": gid}
    assert await count(session, Service) == 0


ORG_RESULT = """__typename ... on OrganizationPayload { organization { id name website } }
  ... on ValidationFailed { errors { field code } } ... on Forbidden { message }
  ... on Unauthenticated { message }"""


async def test_organization_create_update_delete_by_role(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    create = (
        f"mutation($i: OrganizationInput!) {{ organizationCreate(input: $i) {{ {ORG_RESULT} }} }}"
    )
    update = f"""mutation($id: ID!, $i: OrganizationInput!) {{
      organizationUpdate(id: $id, input: $i) {{ {ORG_RESULT} }} }}"""
    delete = "mutation($id: ID!) { organizationDelete(id: $id) { ... on Deleted { deletedId } } }"

    by_org_admin = await gql(create, {"i": {"name": "New"}}, headers=world.east_admin.headers)
    anonymous = await gql(create, {"i": {"name": "New"}})
    created = await gql(
        create, {"i": {"name": "Northside Workforce Center"}}, headers=world.hub_admin.headers
    )
    own = await gql(
        update,
        {"id": org_id(world), "i": {"website": "https://east.example.org"}},
        headers=world.east_admin.headers,
    )
    bad = await gql(
        update,
        {"id": org_id(world), "i": {"website": "east", "name": ""}},
        headers=world.east_admin.headers,
    )
    other = await gql(
        update,
        {"id": org_id(world, "west"), "i": {"name": "Mine"}},
        headers=world.east_admin.headers,
    )
    new_id = created["data"]["organizationCreate"]["organization"]["id"]
    removed = await gql(delete, {"id": new_id}, headers=world.hub_admin.headers)

    assert by_org_admin["data"]["organizationCreate"]["__typename"] == "Forbidden"
    assert anonymous["data"]["organizationCreate"]["__typename"] == "Unauthenticated"
    assert (
        own["data"]["organizationUpdate"]["organization"]["website"] == "https://east.example.org"
    )
    assert {(e["field"], e["code"]) for e in bad["data"]["organizationUpdate"]["errors"]} == {
        ("website", "INVALID"),
        ("name", "REQUIRED"),
    }
    assert other["data"]["organizationUpdate"]["__typename"] == "Forbidden"
    assert removed["data"]["organizationDelete"] == {"deletedId": new_id}


async def test_program_then_service_in_it(session: AsyncSession, gql: GQL, world: World) -> None:
    create = """mutation($i: ProgramInput!) { programCreate(input: $i) { __typename
      ... on ProgramPayload { program { id name } } ... on Forbidden { message } } }"""

    made = await gql(
        create,
        {"i": {"organizationId": org_id(world), "name": "Healthcare careers"}},
        headers=world.east_admin.headers,
    )
    refused = await gql(
        create,
        {"i": {"organizationId": org_id(world), "name": "X"}},
        headers=world.west_admin.headers,
    )
    program_id = made["data"]["programCreate"]["program"]["id"]
    in_program = await gql(
        CREATE,
        {"input": {"organizationId": org_id(world), "name": "CNA", "programId": program_id}},
        headers=world.east_admin.headers,
    )
    elsewhere = await gql(
        CREATE,
        {
            "input": {
                "organizationId": org_id(world, "west"),
                "name": "CNA",
                "programId": program_id,
            }
        },
        headers=world.west_admin.headers,
    )

    assert refused["data"]["programCreate"]["__typename"] == "Forbidden"
    assert in_program["data"]["serviceCreate"]["__typename"] == "ServicePayload"
    assert elsewhere["data"]["serviceCreate"]["errors"] == [
        {
            "field": "programId",
            "code": "INVALID",
            "message": "The program belongs to another organization.",
        }
    ]
