"""Every official HSDS example imports, whatever its object type and shape, and keeps its links."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.export import export_json
from importers.hsds_reader import read_json, read_package
from importers.records import internal_id
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


# What a round trip of service_full.json may change (docs/importers.md, "What a round trip
# changes"): keys the hub adds, keys it leaves out, and values it normalizes.
ADDED_KEYS = frozenset(
    {
        "organization_id",
        "program_id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "contact_id",
        "phone_id",
        "link_id",
        "taxonomy_term_id",
        "taxonomy_id",
        "delivery_mode",
        "accepts_referrals",
    }
)
# Left out by the import: the change log, impossible coordinates, links to records outside the
# file. Left out by the export's current nesting (see "Export"): phones' languages, contacts'
# phones, contacts of a service at location, an organization's own lists inside a service.
IMPORT_LEAVES_OUT = frozenset({"metadata", "parent_organization_id", "parent_id"})
EXPORT_LEAVES_OUT = frozenset(
    {
        ".phones[].languages",
        ".contacts[].phones",
        ".service_at_locations[].contacts",
        ".organization.funding",
        ".organization.contacts",
        ".organization.phones",
        ".organization.locations",
        ".organization.programs",
        ".organization.organization_identifiers",
    }
)


def _may_leave_out(path: str, key: str, parent: dict[str, Any]) -> bool:
    if key in IMPORT_LEAVES_OUT:
        return True
    if key in ("latitude", "longitude"):  # both go when either is off the globe
        lat, lng = parent.get("latitude"), parent.get("longitude")
        return not (isinstance(lat, int | float) and isinstance(lng, int | float)) or (
            abs(lat) > 90 or abs(lng) > 180
        )
    shape = re.sub(r"\[\d+\]", "[]", f"{path}.{key}")
    return any(shape.endswith(tail) for tail in EXPORT_LEAVES_OUT)


def _differences(original: object, exported: object, path: str = "") -> list[str]:
    """Differences between an HSDS object and its round trip that no documented rule allows."""
    if isinstance(original, dict) and isinstance(exported, dict):
        out = [
            f"{path}.{k} added" for k in exported.keys() - original.keys() if k not in ADDED_KEYS
        ]
        for key, value in original.items():
            if key not in exported:
                if not _may_leave_out(path, key, original):
                    out.append(f"{path}.{key} left out")
                continue
            out.extend(_differences(value, exported[key], f"{path}.{key}"))
        return out
    if isinstance(original, list) and isinstance(exported, list):
        if len(original) != len(exported):
            return [f"{path}: {len(original)} items became {len(exported)}"]
        return [
            d for i, (a, b) in enumerate(zip(original, exported, strict=True))
            for d in _differences(a, b, f"{path}[{i}]")
        ]  # fmt: skip
    if original == exported or (isinstance(original, str) and original.strip() == exported):
        return []
    if path.endswith("last_modified") and isinstance(original, str) and isinstance(exported, str):
        same = datetime.fromisoformat(original) == datetime.fromisoformat(exported)
        return [] if same else [f"{path}: {original!r} -> {exported!r}"]
    if path.endswith("link_entity") and exported == "service":
        return []  # nested under the service: the placeholder "link_entity" becomes its type
    return [f"{path}: {original!r} -> {exported!r}"]


async def test_service_full_round_trip_changes_only_what_is_documented(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    source = HSDS_EXAMPLES / "service_full.json"
    assert (await run(lambda r: read_json(source, r))).committed
    path = tmp_path / "services.json"
    await export_json(session_factory=session_factory, path=path)
    [exported] = json.loads(path.read_text(encoding="utf-8"))
    original = json.loads(source.read_text(encoding="utf-8"))
    assert _differences(original, exported) == []
    # The check is real: a value changed by hand is caught.
    assert _differences({**original, "name": "Other"}, exported) == [
        ".name: 'Other' -> 'Community Counselling'"
    ]


async def test_records_kept_aside_come_back_with_their_values(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "programs.csv").write_text(
        "id,organization_id,name,description\np-1,o-1,Youth,\n", encoding="utf-8"
    )
    (first / "services.csv").write_text(
        "id,organization_id,program_id,name,status,minimum_age,last_modified,accepts_referrals\n"
        "s-1,o-1,p-1,Tutoring,inactive,12,2024-05-01T10:00:00Z,true\n",
        encoding="utf-8",
    )
    report = await run(lambda r: read_package(first, r), source="peer")
    assert report.committed
    assert report.entity("program").deferred == 1
    assert report.entity("service").deferred == 1
    assert await _rows(session_factory, "SELECT id FROM service") == []

    later = tmp_path / "later"
    later.mkdir()
    (later / "organizations.csv").write_text("id,name,description\no-1,Org,x\n", encoding="utf-8")
    # A later import of the source brings the organization: both records are written.
    assert (await run(lambda r: read_package(later, r), source="peer")).committed
    [service] = await _rows(session_factory, "SELECT * FROM service")
    assert service["id"] == internal_id("peer", "service", "s-1")
    assert (service["name"], service["status"], service["minimum_age"]) == (
        "Tutoring",
        "inactive",
        12,
    )
    assert service["accepts_referrals"] in (True, 1)
    assert service["program_id"] == internal_id("peer", "program", "p-1")
    [program] = await _rows(session_factory, "SELECT description FROM program")
    assert program["description"] == ""
    keys = await _rows(
        session_factory, "SELECT source, entity FROM import_key WHERE entity = 'service'"
    )
    assert keys == [{"source": "peer", "entity": "service"}]
