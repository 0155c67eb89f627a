"""The remaining update/delete mutations: success for the owner, typed errors for everyone else."""

from __future__ import annotations

from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import Location, Phone, Program, Schedule
from schema.relay import to_global_id
from tests.builders import make_location, make_phone, make_service, make_service_at_location
from tests.schema.conftest import GQL, World

ANY = """__typename ... on ValidationFailed { errors { field code } } ... on NotFound { entity }
  ... on Forbidden { message } ... on Unauthenticated { message }"""


async def count(session: AsyncSession, model: Any) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


def kind(body: dict[str, Any], field: str) -> str:
    return str(body["data"][field]["__typename"])


async def test_schedule_update_and_delete(session: AsyncSession, gql: GQL, world: World) -> None:
    service = await make_service(session, world.east)
    row = Schedule(service_id=service.id, freq="WEEKLY", byday="MO")
    session.add(row)
    await session.commit()
    gid = to_global_id("Schedule", row.id)
    update = f"""mutation($id: ID!, $i: ScheduleInput!) {{ scheduleUpdate(id: $id, input: $i) {{
      {ANY} ... on SchedulePayload {{ schedule {{ byday }} }} }} }}"""
    delete = f"mutation($id: ID!) {{ scheduleDelete(id: $id) {{ {ANY} }} }}"
    east, west = world.east_admin.headers, world.west_admin.headers

    changed = await gql(update, {"id": gid, "i": {"byday": "TU,WE"}}, headers=east)
    moved = await gql(
        update, {"id": gid, "i": {"locationId": to_global_id("Location", row.id)}}, headers=east
    )
    bad = await gql(update, {"id": gid, "i": {"interval": 0, "count": -1}}, headers=east)
    foreign = await gql(update, {"id": gid, "i": {"byday": "SU"}}, headers=west)
    refused = await gql(delete, {"id": gid}, headers=west)
    deleted = await gql(delete, {"id": gid}, headers=east)
    again = await gql(delete, {"id": gid}, headers=east)

    assert changed["data"]["scheduleUpdate"]["schedule"] == {"byday": "TU,WE"}
    assert moved["data"]["scheduleUpdate"]["errors"] == [{"field": "locationId", "code": "INVALID"}]
    assert {e["code"] for e in bad["data"]["scheduleUpdate"]["errors"]} == {"OUT_OF_RANGE"}
    assert kind(foreign, "scheduleUpdate") == "Forbidden"
    assert kind(refused, "scheduleDelete") == "Forbidden"
    assert kind(deleted, "scheduleDelete") == "Deleted"
    assert kind(again, "scheduleDelete") == "NotFound"
    assert await count(session, Schedule) == 0


async def test_phone_update_and_delete(session: AsyncSession, gql: GQL, world: World) -> None:
    phone = await make_phone(session, "408-555-0100", organization_id=world.east.id)
    await session.commit()
    gid = to_global_id("Phone", phone.id)
    update = f"""mutation($id: ID!, $i: PhoneInput!) {{ phoneUpdate(id: $id, input: $i) {{
      {ANY} ... on PhonePayload {{ phone {{ number extension }} }} }} }}"""
    delete = f"mutation($id: ID!) {{ phoneDelete(id: $id) {{ {ANY} }} }}"

    changed = await gql(
        update,
        {"id": gid, "i": {"number": "408-555-0199", "extension": 12}},
        headers=world.east_admin.headers,
    )
    too_long = await gql(
        update, {"id": gid, "i": {"number": "1" * 60}}, headers=world.east_admin.headers
    )
    anonymous = await gql(delete, {"id": gid})
    deleted = await gql(delete, {"id": gid}, headers=world.hub_admin.headers)

    assert changed["data"]["phoneUpdate"]["phone"] == {"number": "408-555-0199", "extension": 12}
    assert too_long["data"]["phoneUpdate"]["errors"] == [{"field": "number", "code": "TOO_LONG"}]
    assert kind(anonymous, "phoneDelete") == "Unauthenticated"
    assert kind(deleted, "phoneDelete") == "Deleted"
    assert await count(session, Phone) == 0


async def test_location_delete_and_service_at_location_errors(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    service = await make_service(session, world.east)
    own = await make_location(session, world.east)
    foreign = await make_location(session, world.west)
    await make_service_at_location(session, service, own)
    await session.commit()
    link = """mutation($s: ID!, $l: ID!) { serviceAtLocationCreate(serviceId: $s, locationId: $l) {
      __typename ... on ValidationFailed { errors { field code } }
      ... on Forbidden { message } } }"""
    sid = to_global_id("Service", service.id)
    delete = f"mutation($id: ID!) {{ locationDelete(id: $id) {{ {ANY} }} }}"
    missing = to_global_id("ServiceAtLocation", "00000000-0000-4000-8000-000000000000")

    duplicate = await gql(
        link, {"s": sid, "l": to_global_id("Location", own.id)}, headers=world.east_admin.headers
    )
    cross_org = await gql(
        link,
        {"s": sid, "l": to_global_id("Location", foreign.id)},
        headers=world.east_admin.headers,
    )
    unlink_missing = await gql(
        f"mutation($id: ID!) {{ serviceAtLocationDelete(id: $id) {{ {ANY} }} }}",
        {"id": missing},
        headers=world.east_admin.headers,
    )
    refused = await gql(
        delete, {"id": to_global_id("Location", own.id)}, headers=world.west_admin.headers
    )
    deleted = await gql(
        delete, {"id": to_global_id("Location", own.id)}, headers=world.east_admin.headers
    )

    assert duplicate["data"]["serviceAtLocationCreate"]["errors"] == [
        {"field": "locationId", "code": "DUPLICATE"}
    ]
    assert kind(cross_org, "serviceAtLocationCreate") == "Forbidden"
    assert kind(unlink_missing, "serviceAtLocationDelete") == "NotFound"
    assert kind(refused, "locationDelete") == "Forbidden"
    assert kind(deleted, "locationDelete") == "Deleted"
    assert await count(session, Location) == 1


async def test_program_update_delete_and_organization_delete_rules(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    program = Program(organization_id=world.east.id, name="Careers")
    session.add(program)
    await session.commit()
    gid = to_global_id("Program", program.id)
    update = f"""mutation($id: ID!, $i: ProgramInput!) {{ programUpdate(id: $id, input: $i) {{
      {ANY} ... on ProgramPayload {{ program {{ name }} }} }} }}"""
    delete_program = f"mutation($id: ID!) {{ programDelete(id: $id) {{ {ANY} }} }}"
    delete_org = f"mutation($id: ID!) {{ organizationDelete(id: $id) {{ {ANY} }} }}"
    east = to_global_id("Organization", world.east.id)

    renamed = await gql(
        update, {"id": gid, "i": {"name": "Health careers"}}, headers=world.east_admin.headers
    )
    emptied = await gql(update, {"id": gid, "i": {"name": "  "}}, headers=world.east_admin.headers)
    foreign = await gql(delete_program, {"id": gid}, headers=world.west_admin.headers)
    deleted = await gql(delete_program, {"id": gid}, headers=world.east_admin.headers)
    by_org_admin = await gql(delete_org, {"id": east}, headers=world.east_admin.headers)
    by_auditor = await gql(delete_org, {"id": east}, headers=world.auditor.headers)

    assert renamed["data"]["programUpdate"]["program"] == {"name": "Health careers"}
    assert emptied["data"]["programUpdate"]["errors"] == [{"field": "name", "code": "REQUIRED"}]
    assert kind(foreign, "programDelete") == "Forbidden"
    assert kind(deleted, "programDelete") == "Deleted"
    assert kind(by_org_admin, "organizationDelete") == "Forbidden"
    assert kind(by_auditor, "organizationDelete") == "Forbidden"
    assert await count(session, Program) == 0
