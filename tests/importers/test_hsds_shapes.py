"""Every official HSDS example imports, whatever its object type and shape, and keeps its links."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.export import export_json
from importers.hsds_reader import read_json, read_package
from importers.sql import execute
from tests.importers.conftest import HSDS_EXAMPLES, Importer

EXAMPLES = sorted(p.name for p in HSDS_EXAMPLES.glob("*.json"))
# The type of the records each example holds, and how many of that type.
HOLDS = {
    "organization_full.json": ("organization", 1),
    "organization_list.json": ("organization", 1),
    "location.json": ("location", 1),
    "service_at_location_full.json": ("service_at_location", 1),
    "service_at_location_list.json": ("service_at_location", 1),
    "service_full.json": ("service", 1),
    "service_list.json": ("service", 1),
    "taxonomy.json": ("taxonomy", 1),
    "taxonomy_list.json": ("taxonomy", 1),
    "taxonomy_term.json": ("taxonomy_term", 1),
    "taxonomy_term_list.json": ("taxonomy_term", 1),
    "tabular.json": ("service", 1),
}
SHARED_PHONE = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"


async def _rows(factory: SessionFactory, sql: str, **params: str) -> list[dict[str, object]]:
    async with factory() as session:
        result = await execute(session, sa.text(sql).bindparams(**params))
        return [dict(r) for r in result.mappings()]


@pytest.mark.parametrize("name", EXAMPLES)
async def test_every_official_example_imports_strictly(run: Importer, name: str) -> None:
    report = await run(lambda r: read_json(HSDS_EXAMPLES / name, r))
    assert report.committed, report.problems
    assert report.problems == []
    if name == "base.json":
        assert "an HSDS API root" in " ".join(report.notes)
        return
    entity, count = HOLDS[name]
    counts = report.entity(entity)
    assert counts.created == count, report.counts


async def test_the_csv_package_imports_strictly(run: Importer) -> None:
    report = await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r))
    assert report.committed
    assert report.problems == []
    assert "datapackage.json only names" in " ".join(report.notes)


@pytest.mark.parametrize(
    ("page", "entity"),
    [
        ("organization_list.json", "organization"),
        ("service_at_location_list.json", "service_at_location"),
        ("taxonomy_list.json", "taxonomy"),
        ("taxonomy_term_list.json", "taxonomy_term"),
    ],
)
async def test_each_type_alone_as_a_list_and_as_a_page(
    run: Importer, tmp_path: Path, page: str, entity: str
) -> None:
    contents = json.loads((HSDS_EXAMPLES / page).read_text(encoding="utf-8"))["contents"]
    # Neutral file names: the type is told from the fields, not from the name.
    alone, as_list = tmp_path / "one.json", tmp_path / "many.json"
    alone.write_text(json.dumps(contents[0]), encoding="utf-8")
    as_list.write_text(json.dumps(contents * 2), encoding="utf-8")
    for path in (HSDS_EXAMPLES / page, alone, as_list):
        report = await run(partial(read_json, path), source=path.name)
        assert report.committed, (path.name, report.problems)
        counts = report.entity(entity)
        assert counts.created + counts.unchanged + counts.updated >= 1, (path.name, report.counts)


async def test_a_record_under_several_parents_keeps_every_link(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    # service_full nests one phone under the service, its organization, its location, the
    # service at location and a contact: the stored phone points at all of them.
    report = await run(lambda r: read_json(HSDS_EXAMPLES / "service_full.json", r))
    assert report.committed
    [phone] = await _rows(session_factory, "SELECT * FROM phone WHERE id = :i", i=SHARED_PHONE)
    assert phone["service_id"] == "ac148810-d857-441c-9679-408f346de14b"
    assert phone["organization_id"] == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert phone["location_id"] == "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    assert phone["service_at_location_id"] == "e94c9f38-1e8f-4564-91d4-d53501ab1765"
    assert phone["contact_id"] == "1e7efce3-639b-4880-940c-b95cd30cdb50"

    path = tmp_path / "services.json"
    await export_json(session_factory=session_factory, path=path)
    [service] = json.loads(path.read_text(encoding="utf-8"))
    for key in ("phones", "schedules", "languages", "contacts"):
        assert len(service[key]) == 1, key
    assert service["phones"][0]["id"] == SHARED_PHONE


async def test_references_outside_the_file_resolve_when_their_records_arrive(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    parent_org, org = "cd09a387-91f4-4555-94ec-e799c35344cd", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    # A place of a service the file does not hold: kept aside; an organization's parent
    # organization the hub does not know: linked later.
    place = tmp_path / "place.json"
    place.write_text(
        json.dumps(
            {
                "id": "0e6bbc84-6f7e-4bd6-8e5e-0c8c2f0c9f11",
                "service_id": "7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c3d01",
                "location_id": "3a19ff88-4620-4d17-9830-ac1d859eb5d5",
                "location": {"id": "3a19ff88-4620-4d17-9830-ac1d859eb5d5", "name": "Civic Center"},
            }
        ),
        encoding="utf-8",
    )
    first = await run(lambda r: read_json(place, r))
    assert first.committed
    assert first.entity("service_at_location").deferred == 1
    assert await _rows(session_factory, "SELECT id FROM service_at_location") == []
    orgs = await run(lambda r: read_json(HSDS_EXAMPLES / "organization_list.json", r))
    assert [w.field for w in orgs.warnings] == ["parent_organization_id"]

    service = tmp_path / "service.json"
    service.write_text(
        json.dumps(
            {
                "id": "7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c3d01",
                "name": "Drop-in advice",
                "status": "active",
                "organization": {"id": parent_org, "name": "Parent Org", "description": ""},
            }
        ),
        encoding="utf-8",
    )
    later = await run(lambda r: read_json(service, r))
    assert later.committed
    assert "deferred references completed: 1 link(s), 1 record(s)" in " ".join(later.notes)
    places = await _rows(session_factory, "SELECT service_id FROM service_at_location")
    assert places == [{"service_id": "7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c3d01"}]
    [child] = await _rows(
        session_factory, "SELECT parent_organization_id FROM organization WHERE id = :i", i=org
    )
    assert child["parent_organization_id"] == parent_org
    assert await _rows(session_factory, "SELECT * FROM import_deferred_reference") == []


async def test_older_hsds_files_are_read_or_reported(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    # What the hsds-transformer writes for HSDS 1.x/2.0 layouts, beside 3.0 files.
    files = {
        "organizations.csv": "id,name,description\no1,Org,x\n",
        "services.csv": "id,organization_id,name,status\ns1,o1,Food,active\n",
        "locations.csv": "id,organization_id,name\nl1,o1,Main\n",
        "regular_schedules.csv": (
            "id,service_id,weekday,opens_at,closes_at\nr1,s1,1,09:00,17:00\nr2,s1,Saturday,10:00,12:00\n"
        ),
        "postal_addresses.csv": (
            "id,location_id,address_1,city,state_province,postal_code,country\n"
            "a1,l1,PO Box 1,Oakland,CA,94601,US\n"
        ),
        "eligibility.csv": "id,service_id,eligibility\ne1,s1,Adults\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = await run(lambda r: read_package(tmp_path, r))
    assert report.committed, report.problems
    assert report.entity("schedule").created == 2
    assert report.entity("address").created == 1
    assert (
        "eligibility.csv is not imported: HSDS 3.0 keeps eligibility as text on the service"
        in report.notes
    )
    days = await _rows(session_factory, "SELECT byday FROM schedule ORDER BY byday")
    assert days == [{"byday": "MO"}, {"byday": "SA"}]
    [address] = await _rows(session_factory, "SELECT address_type FROM address")
    assert address["address_type"] == "postal"
