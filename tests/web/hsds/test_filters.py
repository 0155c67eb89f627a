"""Facade filters on the demo directory: modified_after, postcode, paging, full_service, compact."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa

from hub.container import Container
from providers.models import Address, Location, Service, ServiceArea, ServiceAtLocation
from providers.models.enums import ServiceStatus
from search.areas import area_keys


async def _all(hsds: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await hsds.get(path, params={**params, "format": "ndjson"})
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines()]


async def test_modified_after_filters_on_the_last_modified_shown(
    hsds: httpx.AsyncClient, demo: Container
) -> None:
    async with demo.session_factory() as session:
        rows = (
            await (await session.connection()).execute(
                sa.select(Service.last_modified, Service.updated_at).where(
                    Service.status == ServiceStatus.ACTIVE
                )
            )
        ).all()
    shown = sorted((last or updated) for last, updated in rows)
    cutoff = shown[len(shown) // 2]
    expected = sum(1 for value in shown if value >= cutoff)
    assert 0 < expected < len(shown)  # the cutoff splits the directory
    items = await _all(hsds, "/services", modified_after=cutoff.isoformat())
    assert len(items) == expected
    assert all(datetime.fromisoformat(i["last_modified"]) >= cutoff for i in items)
    page = (await hsds.get("/services", params={"modified_after": cutoff.isoformat()})).json()
    assert page["total_items"] == expected


async def test_postcode_uses_service_areas(hsds: httpx.AsyncClient, demo: Container) -> None:
    async with demo.session_factory() as session:
        connection = await session.connection()
        postcode = (
            await connection.execute(sa.select(Address.postal_code).order_by(Address.id).limit(1))
        ).scalar_one()
        areas = (
            await connection.execute(
                sa.select(ServiceArea.service_id, ServiceArea.extent_type, ServiceArea.extent)
                .join(Service, Service.id == ServiceArea.service_id)
                .where(Service.status == ServiceStatus.ACTIVE)
            )
        ).all()
        offered = set((await connection.execute(sa.select(ServiceAtLocation.service_id))).scalars())
    serving = {s for s, kind, extent in areas if f"zip:{postcode}" in area_keys(kind, extent)}
    expected = serving & offered
    assert len(expected) > 10
    found = {
        i["service"]["id"] for i in await _all(hsds, "/service_at_locations", postcode=postcode)
    }
    assert found == expected
    # A ZIP no demo service covers, with no office there: nothing.
    assert await _all(hsds, "/service_at_locations", postcode="04401") == []


async def test_a_page_past_the_end_is_empty(hsds: httpx.AsyncClient) -> None:
    first = (await hsds.get("/services", params={"per_page": 100})).json()
    assert first["first_page"]
    assert not first["empty"]
    assert not first["last_page"]
    beyond = (
        await hsds.get("/services", params={"per_page": 100, "page": first["total_pages"] + 1})
    ).json()
    assert beyond["empty"] is True
    assert beyond["contents"] == []
    assert beyond["last_page"] is True
    assert beyond["total_items"] == first["total_items"]


async def test_full_service_nests_full_services(hsds: httpx.AsyncClient) -> None:
    orgs = (await hsds.get("/organizations", params={"per_page": 5})).json()["contents"]
    assert all("services" not in o for o in orgs)  # the organization_list shape
    full = await hsds.get("/organizations", params={"per_page": 5, "full_service": "true"})
    nested = full.json()["contents"]
    assert [o["id"] for o in nested] == [o["id"] for o in orgs]
    services = [s for o in nested for s in o.get("services", [])]
    assert services
    assert all("service_at_locations" in s for s in services)
    one = nested[0]["id"]
    plain = (await hsds.get(f"/organizations/{one}")).json()
    assert all("service_at_locations" not in s for s in plain["services"])
    deep = (await hsds.get(f"/organizations/{one}", params={"full_service": "true"})).json()
    assert all("service_at_locations" in s for s in deep["services"])


async def test_empty_optionals_are_left_out(hsds: httpx.AsyncClient, demo: Container) -> None:
    org = (await hsds.get("/organizations", params={"per_page": 1})).json()["contents"][0]
    bodies = [
        (await hsds.get("/services", params={"full": "true", "per_page": 20})).json(),
        (await hsds.get("/service_at_locations", params={"full": "true", "per_page": 20})).json(),
        (await hsds.get(f"/organizations/{org['id']}", params={"full_service": "true"})).json(),
    ]
    for body in bodies:
        assert _empties(body) == []
    # Something optional really is empty in the directory: locations without accessibility.
    async with demo.session_factory() as session:
        count = (
            await (await session.connection()).execute(sa.select(sa.func.count(Location.id)))
        ).scalar_one()
    assert count > 0
    assert "accessibility" not in json.dumps(bodies[1]["contents"][0]["location"])


def _empties(value: Any, path: str = "") -> list[str]:
    """Paths of null or empty values, other than a Page's own contents."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None or item == [] or item == {}:
                found.append(f"{path}.{key}")
            found.extend(_empties(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_empties(item, f"{path}[{index}]"))
    return found
