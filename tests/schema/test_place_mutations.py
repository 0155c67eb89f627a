"""Locations (geocoding, coordinates), service-at-locations, schedules, phones and capacity."""

from __future__ import annotations

from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import Location, Phone, Schedule, ServiceAtLocation, ServiceCapacity
from schema.relay import to_global_id
from tests.builders import make_location, make_service
from tests.schema.conftest import GQL, World

ERRORS = """__typename ... on ValidationFailed { errors { field code } }
  ... on Forbidden { message } ... on Unauthenticated { message } ... on NotFound { entity }"""
LOCATION = f"""mutation($input: LocationInput!) {{ locationCreate(input: $input) {{ {ERRORS}
  ... on LocationPayload {{ location {{ id latitude longitude geocodeStatus geocodePrecision
      timezoneName addresses {{ postalCode }} }} }} }} }}"""
LOCATION_UPDATE = f"""mutation($id: ID!, $input: LocationInput!) {{
  locationUpdate(id: $id, input: $input) {{ {ERRORS}
  ... on LocationPayload {{
      location {{ latitude longitude geocodeStatus geocodePrecision }} }} }} }}"""
ADDRESS = {
    "address1": "100 Main St",
    "city": "San Jose",
    "stateProvince": "CA",
    "postalCode": "95112",
}


async def count(session: AsyncSession, model: Any) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


def org(world: World) -> str:
    return to_global_id("Organization", world.east.id)


async def test_location_without_coordinates_is_geocoded_from_its_address(
    gql: GQL, world: World
) -> None:
    body = await gql(
        LOCATION,
        {"input": {"organizationId": org(world), "name": "Office", "address": ADDRESS}},
        headers=world.east_admin.headers,
    )

    place = body["data"]["locationCreate"]["location"]
    assert place["geocodeStatus"] == "OK"
    assert place["geocodePrecision"] == "ZIP"
    assert round(place["latitude"], 2) == 37.35
    assert place["timezoneName"] == "America/Los_Angeles"
    assert place["addresses"] == [{"postalCode": "95112"}]


async def test_failed_geocode_leaves_no_coordinates_never_zero(gql: GQL, world: World) -> None:
    nowhere = {**ADDRESS, "city": "Atlantis", "stateProvince": "ZZ", "postalCode": "00000"}

    body = await gql(
        LOCATION,
        {"input": {"organizationId": org(world), "address": nowhere}},
        headers=world.east_admin.headers,
    )

    place = body["data"]["locationCreate"]["location"]
    assert place["geocodeStatus"] == "FAILED"
    assert place["latitude"] is None
    assert place["longitude"] is None


async def test_given_coordinates_are_kept_and_invalid_ones_refused(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    given = await gql(
        LOCATION,
        {"input": {"organizationId": org(world), "latitude": 40.7, "longitude": -74.0}},
        headers=world.east_admin.headers,
    )
    invalid = await gql(
        LOCATION,
        {
            "input": {
                "organizationId": org(world),
                "latitude": 91.0,
                "longitude": -200.0,
                "timezoneName": "Mars/Olympus",
                "address": {**ADDRESS, "postalCode": ""},
            }
        },
        headers=world.east_admin.headers,
    )
    half = await gql(
        LOCATION,
        {"input": {"organizationId": org(world), "latitude": 10.0}},
        headers=world.east_admin.headers,
    )

    assert given["data"]["locationCreate"]["location"]["geocodePrecision"] == "PROVIDED"
    errors = {(e["field"], e["code"]) for e in invalid["data"]["locationCreate"]["errors"]}
    assert errors == {
        ("latitude", "OUT_OF_RANGE"),
        ("longitude", "OUT_OF_RANGE"),
        ("timezoneName", "INVALID_CHOICE"),
        ("address.postalCode", "REQUIRED"),
    }
    assert half["data"]["locationCreate"]["errors"] == [{"field": "longitude", "code": "REQUIRED"}]
    assert await count(session, Location) == 1


async def test_new_address_is_geocoded_again_and_other_org_is_forbidden(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    place = await make_location(session, world.east, latitude=40.0, longitude=-75.0)
    await session.commit()
    gid = to_global_id("Location", place.id)

    moved = await gql(
        LOCATION_UPDATE,
        {"id": gid, "input": {"address": ADDRESS}},
        headers=world.east_admin.headers,
    )
    forbidden = await gql(
        LOCATION_UPDATE, {"id": gid, "input": {"name": "Mine"}}, headers=world.west_admin.headers
    )

    updated = moved["data"]["locationUpdate"]["location"]
    assert round(updated["latitude"], 2) == 37.35
    assert updated["geocodePrecision"] == "ZIP"
    assert forbidden["data"]["locationUpdate"]["__typename"] == "Forbidden"


async def test_service_at_location_schedule_phone_and_delete(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    service = await make_service(session, world.east, "Pantry")
    place = await make_location(session, world.east)
    await session.commit()
    sal = await gql(
        """mutation($s: ID!, $l: ID!) { serviceAtLocationCreate(serviceId: $s, locationId: $l) {
          __typename ... on ServiceAtLocationPayload { serviceAtLocation { id } } } }""",
        {"s": to_global_id("Service", service.id), "l": to_global_id("Location", place.id)},
        headers=world.east_admin.headers,
    )
    sal_id = sal["data"]["serviceAtLocationCreate"]["serviceAtLocation"]["id"]
    schedule = await gql(
        f"""mutation($i: ScheduleInput!) {{ scheduleCreate(input: $i) {{ {ERRORS}
          ... on SchedulePayload {{ schedule {{ id byday opensAt closesAt }} }} }} }}""",
        {
            "i": {
                "serviceAtLocationId": sal_id,
                "freq": "WEEKLY",
                "byday": "mo, tu",
                "opensAt": "09:00:00",
                "closesAt": "17:00:00",
                "timezoneName": "America/Los_Angeles",
            }
        },
        headers=world.east_admin.headers,
    )
    phone = await gql(
        f"""mutation($i: PhoneInput!) {{ phoneCreate(input: $i) {{ {ERRORS}
          ... on PhonePayload {{ phone {{ id number type }} }} }} }}""",
        {
            "i": {
                "locationId": to_global_id("Location", place.id),
                "number": "408-555-0100",
                "type": "voice",
            }
        },
        headers=world.east_admin.headers,
    )
    removed = await gql(
        "mutation($id: ID!) { serviceAtLocationDelete(id: $id) { __typename } }",
        {"id": sal_id},
        headers=world.east_admin.headers,
    )

    assert schedule["data"]["scheduleCreate"]["schedule"]["byday"] == "MO,TU"
    assert phone["data"]["phoneCreate"]["phone"]["type"] == "voice"
    assert removed["data"]["serviceAtLocationDelete"]["__typename"] == "Deleted"
    assert await count(session, ServiceAtLocation) == 0
    # The link's schedule went with it.
    assert await count(session, Schedule) == 0


async def test_schedule_and_phone_rules(session: AsyncSession, gql: GQL, world: World) -> None:
    service = await make_service(session, world.east, "Pantry")
    other = await make_service(session, world.west, "Tutoring")
    await session.commit()
    sid = to_global_id("Service", service.id)
    create_schedule = f"mutation($i: ScheduleInput!) {{ scheduleCreate(input: $i) {{ {ERRORS} }} }}"
    create_phone = f"mutation($i: PhoneInput!) {{ phoneCreate(input: $i) {{ {ERRORS} }} }}"

    backwards = await gql(
        create_schedule,
        {"i": {"serviceId": sid, "opensAt": "17:00:00", "closesAt": "09:00:00", "byday": "XX"}},
        headers=world.east_admin.headers,
    )
    overnight = await gql(
        create_schedule,
        {
            "i": {
                "serviceId": sid,
                "opensAt": "20:00:00",
                "closesAt": "06:00:00",
                "notes": "Overnight shelter",
            }
        },
        headers=world.east_admin.headers,
    )
    no_owner = await gql(
        create_schedule, {"i": {"freq": "WEEKLY"}}, headers=world.east_admin.headers
    )
    bad_phone = await gql(
        create_phone,
        {"i": {"serviceId": sid, "number": "call us", "type": "pigeon"}},
        headers=world.east_admin.headers,
    )
    foreign = await gql(
        create_phone,
        {"i": {"serviceId": to_global_id("Service", other.id), "number": "408-555-0100"}},
        headers=world.east_admin.headers,
    )

    assert {(e["field"], e["code"]) for e in backwards["data"]["scheduleCreate"]["errors"]} == {
        ("byday", "INVALID")
    }
    assert overnight["data"]["scheduleCreate"]["__typename"] == "SchedulePayload"
    assert no_owner["data"]["scheduleCreate"]["errors"] == [
        {"field": "serviceId", "code": "REQUIRED"}
    ]
    assert {(e["field"], e["code"]) for e in bad_phone["data"]["phoneCreate"]["errors"]} == {
        ("number", "INVALID"),
        ("type", "INVALID_CHOICE"),
    }
    assert foreign["data"]["phoneCreate"]["__typename"] == "Forbidden"
    assert await count(session, Phone) == 0
    assert await count(session, Schedule) == 1


async def test_closing_before_opening_is_out_of_range(
    gql: GQL, world: World, session: AsyncSession
) -> None:
    service = await make_service(session, world.east, "Pantry")
    await session.commit()

    body = await gql(
        """mutation($i: ScheduleInput!) { scheduleCreate(input: $i) {
          ... on ValidationFailed { errors { field code } } } }""",
        {
            "i": {
                "serviceId": to_global_id("Service", service.id),
                "opensAt": "17:00:00",
                "closesAt": "09:00:00",
            }
        },
        headers=world.east_admin.headers,
    )

    assert body["data"]["scheduleCreate"]["errors"] == [
        {"field": "closesAt", "code": "OUT_OF_RANGE"}
    ]


async def test_capacity_update_sets_status_and_places(
    session: AsyncSession, gql: GQL, world: World
) -> None:
    service = await make_service(session, world.east, "Shelter beds")
    await session.commit()
    mutation = """mutation($id: ID!, $i: ServiceCapacityInput!) {
      serviceCapacityUpdate(serviceId: $id, input: $i) { __typename
        ... on ServicePayload {
          service { capacityStatus version capacity { unit available maximum } } }
        ... on ValidationFailed { errors { field code } } } }"""
    sid = to_global_id("Service", service.id)

    ok = await gql(
        mutation,
        {
            "id": sid,
            "i": {"capacityStatus": "WAITLIST", "unit": "bed", "available": 0, "maximum": 40},
        },
        headers=world.east_admin.headers,
    )
    bad = await gql(
        mutation,
        {"id": sid, "i": {"available": 50, "maximum": 40}},
        headers=world.east_admin.headers,
    )
    refused = await gql(
        mutation, {"id": sid, "i": {"available": 1}}, headers=world.west_admin.headers
    )

    assert ok["data"]["serviceCapacityUpdate"]["service"] == {
        "capacityStatus": "WAITLIST",
        "version": 2,
        "capacity": [{"unit": "bed", "available": 0, "maximum": 40}],
    }
    assert bad["data"]["serviceCapacityUpdate"]["errors"] == [
        {"field": "available", "code": "OUT_OF_RANGE"}
    ]
    assert refused["data"]["serviceCapacityUpdate"]["__typename"] == "Forbidden"
    assert await count(session, ServiceCapacity) == 1
