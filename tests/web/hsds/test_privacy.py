"""Confidential locations (shelters) cannot be located through the facade (issue 16, item 1)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import sqlalchemy as sa

from hub.container import Container
from providers.models import Address, Location, ServiceArea, ServiceAtLocation


async def _private_places(demo: Container) -> list[dict[str, Any]]:
    """Every confidential location with its services at it, its organization and its ZIP."""
    async with demo.session_factory() as session:
        connection = await session.connection()
        rows = (
            await connection.execute(
                sa.select(
                    Location.id,
                    Location.latitude,
                    Location.longitude,
                    Location.organization_id,
                    Address.postal_code,
                )
                .join(Address, Address.location_id == Location.id)
                .where(Location.is_private.is_(True))
            )
        ).all()
        places = []
        for lid, lat, lng, org, postcode in rows:
            sals = (
                await connection.execute(
                    sa.select(ServiceAtLocation.id, ServiceAtLocation.service_id).where(
                        ServiceAtLocation.location_id == lid
                    )
                )
            ).all()
            places.append(
                {
                    "id": lid,
                    "lat": lat,
                    "lng": lng,
                    "org": org,
                    "postcode": postcode,
                    "sals": {s for s, _ in sals},
                    "services": {v for _, v in sals},
                }
            )
    assert places, "the demo has confidential locations"
    return places


async def _sal_ids(hsds: httpx.AsyncClient, **params: Any) -> set[str]:
    """Ids of every service at location a query returns (all of them, streamed)."""
    response = await hsds.get("/service_at_locations", params={**params, "format": "ndjson"})
    assert response.status_code == 200
    return {json.loads(line)["id"] for line in response.text.splitlines()}


async def test_a_shelter_is_not_found_at_its_own_coordinates(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    places = await _private_places(demo)
    for place in places:
        for radius in (0.05, 1, 50):
            found = await _sal_ids(hsds, lat=place["lat"], lng=place["lng"], radius_km=radius)
            assert not found & place["sals"], radius
    # The check is real: a public site of the same organization is found at its coordinates.
    async with demo.session_factory() as session:
        public = (
            await (await session.connection()).execute(
                sa.select(Location.id, Location.latitude, Location.longitude).where(
                    Location.organization_id == places[0]["org"], Location.is_private.is_(False)
                )
            )
        ).first()
    assert public is not None
    body = (
        await hsds.get(
            "/service_at_locations",
            params={"lat": public.latitude, "lng": public.longitude, "radius_km": 0.05},
        )
    ).json()
    assert any(i["location"]["id"] == public.id for i in body["contents"])


async def test_bisecting_the_radius_learns_nothing(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    """The attack of the issue: from three points, bisect the radius until the shelter shows."""
    place = (await _private_places(demo))[0]
    target = place["sals"]
    learned = []
    for dlat, dlng in ((0.03, 0.0), (-0.02, 0.03), (0.0, -0.04)):
        origin = {"lat": place["lat"] + dlat, "lng": place["lng"] + dlng}
        low, high, requests = 0.001, 1000.0, 0
        while high - low > 0.01 and requests < 30:
            middle = (low + high) / 2
            requests += 1
            seen = await _sal_ids(hsds, organization_id=place["org"], radius_km=middle, **origin)
            if seen & target:
                high = middle
            else:
                low = middle
        learned.append(high)
    # The shelter never answered: every bisection ran up to the largest radius allowed.
    assert learned == [1000.0, 1000.0, 1000.0]


async def test_answers_do_not_depend_on_where_a_shelter_is(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    place = (await _private_places(demo))[0]
    queries = [
        {"lat": place["lat"], "lng": place["lng"], "radius_km": r, "per_page": 100}
        for r in (0.01, 0.5, 5, 25, 200)
    ]
    queries.append({"postcode": place["postcode"], "proximity": 2000, "per_page": 100})
    before = [(await hsds.get("/service_at_locations", params=q)).text for q in queries]
    async with demo.session_factory() as session:
        # Move the shelter 300 m north, then across the county.
        for shift in (0.003, -0.2):
            await (await session.connection()).execute(
                sa.update(Location)
                .where(Location.id == place["id"])
                .values(latitude=place["lat"] + shift)
            )
            await session.commit()
            after = [(await hsds.get("/service_at_locations", params=q)).text for q in queries]
            assert after == before


async def test_postcode_never_matches_a_confidential_address(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    place = (await _private_places(demo))[0]
    # Without service areas a service is matched by its locations' addresses; drop them so
    # only the shelter's own (confidential) address could match.
    async with demo.session_factory() as session:
        await (await session.connection()).execute(
            sa.delete(ServiceArea).where(ServiceArea.service_id.in_(place["services"]))
        )
        await session.commit()
    found = await _sal_ids(hsds, postcode=place["postcode"])
    assert not found & place["sals"]
    # A public office with that postcode is matched the same way (the filter works).
    async with demo.session_factory() as session:
        public_sal = (
            await (await session.connection()).execute(
                sa.select(ServiceAtLocation.id, ServiceAtLocation.service_id)
                .join(Location, Location.id == ServiceAtLocation.location_id)
                .join(Address, Address.location_id == Location.id)
                .where(Location.is_private.is_(False), Address.postal_code == place["postcode"])
            )
        ).first()
        assert public_sal is not None
        await (await session.connection()).execute(
            sa.delete(ServiceArea).where(ServiceArea.service_id == public_sal.service_id)
        )
        await session.commit()
    assert public_sal.id in await _sal_ids(hsds, postcode=place["postcode"])


async def test_no_endpoint_serves_a_shelters_coordinates(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    place = (await _private_places(demo))[0]
    sal = next(iter(place["sals"]))
    service = next(iter(place["services"]))
    # An editor marked the place confidential but forgot its street address: still not served.
    async with demo.session_factory() as session:
        await (await session.connection()).execute(
            sa.update(Address).where(Address.location_id == place["id"]).values(is_private=False)
        )
        await session.commit()
    bodies = [
        (await hsds.get(f"/service_at_locations/{sal}")).json(),
        (await hsds.get(f"/services/{service}")).json(),
        (await hsds.get(f"/organizations/{place['org']}", params={"full_service": "true"})).json(),
        (await hsds.get("/organizations", params={"full_service": "true", "per_page": 100})).json(),
        (
            await hsds.get("/services", params={"full": "true", "organization_id": place["org"]})
        ).json(),
        (await hsds.get("/service_at_locations", params={"full": "true", "per_page": 100})).json(),
    ]
    shelters = [loc for body in bodies for loc in _locations(body) if loc["id"] == place["id"]]
    assert len(shelters) >= 4  # it is listed (by name), just never placed
    for location in shelters:
        assert "latitude" not in location
        assert "longitude" not in location
        assert "addresses" not in location  # its street address is confidential too


def _locations(value: Any) -> list[dict[str, Any]]:
    """Every object under a `location` or `locations` key, at any depth."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "location" and isinstance(item, dict):
                found.append(item)
            elif key == "locations" and isinstance(item, list):
                found.extend(item)
            found.extend(_locations(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_locations(item))
    return found
