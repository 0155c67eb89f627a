"""The HSDS REST facade: responses validate against the HSDS 3.0 schemas; only public data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from hub.app import create_app
from hub.container import Container, build_container
from hub.core.clock import SystemClock
from hub.core.settings import Settings
from importers.hsds_reader import read_package
from importers.icarol import read_icarol
from importers.records import internal_id
from importers.report import ImportReport
from importers.run import run_import
from tests.reference_data import require_reference

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
SCHEMAS = REFERENCE / "hsds-3.0" / "schema"
require_reference(REFERENCE)  # skipped without ../shared; a failure under CI=true

PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}
SERVICE = "ac148810-d857-441c-9679-408f346de14b"


def _registry() -> Registry[Any]:
    # The per-object schemas refer to their siblings by file name ("$ref": "metadata.json").
    return Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text("utf-8")), DRAFT202012))
        for p in SCHEMAS.glob("*.json")
    )


def _validator(path: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / path).read_text("utf-8"))
    return jsonschema.Draft202012Validator(
        schema,
        registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def _valid(schema: str, item: dict[str, Any]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in _validator(schema).iter_errors(item)]
    assert errors == []


def _page(body: dict[str, Any], schema: str) -> list[dict[str, Any]]:
    assert set(body) == PAGE_KEYS
    assert body["size"] == len(body["contents"])
    for item in body["contents"]:
        _valid(schema, item)
    items: list[dict[str, Any]] = body["contents"]
    return items


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The hub over a database holding the HSDS example and the iCarol sample."""
    the_container = build_container(settings)
    for source, reader in (
        ("ex", lambda r: read_package(REFERENCE / "hsds-3.0" / "examples" / "csv", r)),
        ("211", lambda r: read_icarol(REFERENCE / "icarol-211-export" / "sample.csv", r)),
    ):
        report = ImportReport(source, skip_invalid=True)
        await run_import(
            reader(report),
            session_factory=the_container.session_factory,
            report=report,
            clock=SystemClock(),
            geocoder=the_container.geocoder,
        )
        assert report.committed
    yield the_container
    await the_container.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client on the app."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


async def test_root_document(client: httpx.AsyncClient) -> None:
    body = (await client.get("/hsds/")).json()
    assert body == {
        "version": "3.0",
        "profile": "http://hub.test/hsds/profile",
        "openapi_url": "http://hub.test/hsds/openapi.json",
    }
    openapi = (await client.get("/hsds/openapi.json")).json()
    assert "/service_at_locations" in openapi["paths"]
    params = {
        p["$ref"].rsplit("/", 1)[1]
        for p in openapi["paths"]["/service_at_locations"]["get"]["parameters"]
    }
    assert {"lat", "lng", "radius_km", "postcode", "proximity"} <= params
    profile = (await client.get("/hsds/profile")).json()
    assert "program_facts" in profile["schemas"]["service"]["properties"]


async def test_services_list_validates_and_is_public(client: httpx.AsyncClient) -> None:
    items = _page(
        (await client.get("/hsds/services?per_page=100")).json(), "compiled/service_list.json"
    )
    names = {i["name"] for i in items}
    assert "Community Counselling" in names
    assert "Transit Pass Assistance" in names
    assert "Westside Food Pantry" not in names  # inactive
    assert all(i["status"] == "active" for i in items)


async def test_service_filters_and_paging(client: httpx.AsyncClient) -> None:
    page = (await client.get("/hsds/services?per_page=2&page=2")).json()
    assert page["page_number"] == 2
    assert page["size"] == 2
    assert not page["first_page"]
    found = (await client.get("/hsds/services?search=transit")).json()
    assert [s["name"] for s in found["contents"]] == ["Transit Pass Assistance"]
    org = internal_id("211", "organization", "70020")
    by_org = (await client.get(f"/hsds/services?organization_id={org}")).json()
    assert [s["name"] for s in by_org["contents"]] == ["Medical Assistant Certificate (Evening)"]
    full = (await client.get("/hsds/services?full=true&search=counselling")).json()
    _page(full, "compiled/service.json")
    assert full["contents"][0]["service_at_locations"]
    bad = await client.get("/hsds/services?per_page=5000")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "per_page"


async def test_service_item_validates(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/hsds/services/{SERVICE}")).json()
    _valid("compiled/service.json", body)
    assert body["organization"]["name"] == "Example Organization Inc."
    assert (await client.get("/hsds/services/nope")).status_code == 404


async def test_private_address_is_never_served(client: httpx.AsyncClient) -> None:
    sid = internal_id("211", "service", "70011")
    body = (await client.get(f"/hsds/services/{sid}")).json()
    text = json.dumps(body)
    assert "Confidential Way" not in text
    location = body["service_at_locations"][0]["location"]
    # Empty lists are left out (Open Referral UK rules); a postal address may remain.
    assert all(a["address_type"] == "postal" for a in location.get("addresses", []))
    assert "latitude" not in location


async def test_service_at_locations_near_a_point(client: httpx.AsyncClient) -> None:
    # Fruitvale, Oakland: the International Blvd site is ~0.4 km away, Hayward ~20 km.
    near = await client.get("/hsds/service_at_locations?lat=37.7766&lng=-122.2213&radius_km=5")
    items = _page(near.json(), "compiled/service_at_location_list.json")
    assert items[0]["service"]["name"] == "Child Care Subsidy Navigation"
    assert "Eden Legal Aid" not in {i["service"]["name"] for i in items}
    wide = await client.get("/hsds/service_at_locations?lat=37.7766&lng=-122.2213&radius_km=40")
    assert "Eden Legal Aid" in {i["service"]["name"] for i in wide.json()["contents"]}
    # Hayward: Eden Legal Aid has no service area and its office is there; the two programs
    # serving all of Alameda County are listed too (the HSDS rule: service areas first).
    by_zip = (await client.get("/hsds/service_at_locations?postcode=94541")).json()
    assert {i["service"]["name"] for i in by_zip["contents"]} == {
        "Eden Legal Aid",
        "Child Care Subsidy Navigation",
        "Transit Pass Assistance",
    }
    # San Francisco is outside Alameda County and no listed office is there.
    assert (await client.get("/hsds/service_at_locations?postcode=94110")).json()["contents"] == []
    one = next(i["id"] for i in by_zip["contents"] if i["service"]["name"] == "Eden Legal Aid")
    item = (await client.get(f"/hsds/service_at_locations/{one}")).json()
    _valid("compiled/service_at_location.json", item)


async def test_postcode_proximity_uses_the_gazetteer(client: httpx.AsyncClient) -> None:
    body = (await client.get("/hsds/service_at_locations?postcode=94601&proximity=3000")).json()
    names = {i["service"]["name"] for i in body["contents"]}
    assert "Child Care Subsidy Navigation" in names
    assert "Eden Legal Aid" not in names


async def test_organizations_and_taxonomies_validate(client: httpx.AsyncClient) -> None:
    orgs = _page(
        (await client.get("/hsds/organizations?per_page=100")).json(),
        "compiled/organization_list.json",
    )
    org_id = next(o["id"] for o in orgs if o["name"] == "Laney Allied Health Programs")
    org = (await client.get(f"/hsds/organizations/{org_id}")).json()
    _valid("compiled/organization.json", org)
    assert [s["name"] for s in org["services"]] == ["Medical Assistant Certificate (Evening)"]
    taxonomies = _page((await client.get("/hsds/taxonomies")).json(), "taxonomy.json")
    airs = next(t for t in taxonomies if t["name"] == "AIRS")
    _valid("taxonomy.json", (await client.get(f"/hsds/taxonomies/{airs['id']}")).json())
    terms = _page(
        (await client.get(f"/hsds/taxonomy_terms?taxonomy_id={airs['id']}")).json(),
        "taxonomy_term.json",
    )
    assert {t["code"] for t in terms} >= {"BT-8300", "HH-0500.0500"}
    term = next(t for t in terms if t["code"] == "BT-8300")
    _valid("taxonomy_term.json", (await client.get(f"/hsds/taxonomy_terms/{term['id']}")).json())
    tagged = (await client.get(f"/hsds/services?taxonomy_term_id={term['id']}")).json()
    assert [s["name"] for s in tagged["contents"]] == ["Transit Pass Assistance"]


async def test_ndjson_streams_every_record(client: httpx.AsyncClient) -> None:
    total = (await client.get("/hsds/services")).json()["total_items"]
    response = await client.get("/hsds/services?format=ndjson")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == total == 5
    for line in lines:
        _valid("compiled/service_list.json", line)
    terms = (await client.get("/hsds/taxonomy_terms?per_page=1")).json()["total_items"]
    streamed = (await client.get("/hsds/taxonomy_terms?format=ndjson")).text.splitlines()
    assert len(streamed) == terms > 100


async def test_profile_fields_and_program_facts(
    client: httpx.AsyncClient, container: Container
) -> None:
    from decimal import Decimal

    from providers.models import ProgramFacts

    sid = internal_id("211", "service", "70021")
    async with container.session_factory() as session:
        session.add(
            ProgramFacts(
                service_id=sid,
                credential="CCMA",
                tuition=Decimal("1380.00"),
                other_costs=Decimal("555.00"),
                aid_accepted="pell,wioa_ita",
            )
        )
        await session.commit()
    body = (await client.get(f"/hsds/services/{sid}")).json()
    _valid("compiled/service.json", body)
    assert body["program_facts"]["credential"] == "CCMA"
    assert body["program_facts"]["tuition"] == 1380
    assert body["last_verified_at"].startswith("2025-02-02")
    assert body["delivery_mode"] == "in_person"
