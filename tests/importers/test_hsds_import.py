"""HSDS 3.0 package and JSON import: the spec's examples, idempotence, updates, change log."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.db import SessionFactory
from hub.core.events import OutboxEvent
from importers.changes import IMPORT_TOPIC
from importers.hsds_reader import read_json, read_package
from providers.models import Metadata, Service
from tests.importers.conftest import HSDS_EXAMPLES, Importer, table_counts

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


async def test_example_package_imports_with_located_warnings(
    run: Importer, engine: AsyncEngine
) -> None:
    # Strict mode: the spec's example is valid HSDS, so nothing in it refuses the import.
    report = await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r))
    assert report.committed
    assert report.problems == []
    assert report.entity("service").created == 1
    assert report.entity("service_at_location").created == 1
    # The spec's example uses latitude 100 and ids of records it does not include.
    where = {(w.file, w.row, w.field) for w in report.warnings}
    assert ("locations.csv", 2, "latitude") in where
    assert ("organizations.csv", 2, "parent_organization_id") in where
    assert ("taxonomy_terms.csv", 2, "parent_id") in where


async def test_reimport_changes_nothing(run: Importer, engine: AsyncEngine) -> None:
    await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r), skip_invalid=True)
    before = await table_counts(engine)
    again = await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r), skip_invalid=True)
    assert again.changed == 0
    assert again.entity("service").unchanged == 1
    assert await table_counts(engine) == before


async def test_updated_package_updates_only_what_changed(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(HSDS_EXAMPLES / "csv", package)
    (package / "datapackage.json").unlink()
    await run(lambda r: read_package(package, r), skip_invalid=True)
    services = package / "services.csv"
    with services.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["name"] = "Community Counselling and Support"
    with services.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = await run(lambda r: read_package(package, r), skip_invalid=True)

    assert report.entity("service").updated == 1
    assert report.changed == 1
    async with session_factory() as session:
        service = await session.get(Service, SERVICE_ID)
        assert service is not None
        assert service.name == "Community Counselling and Support"
        assert service.version == 2
        log = (
            (
                await session.exec(
                    sa.select(Metadata).where(
                        Metadata.resource_id == SERVICE_ID, Metadata.last_action_type == "update"
                    )
                )
            )
            .scalars()
            .all()
        )
        assert [(m.field_name, m.previous_value, m.replacement_value) for m in log] == [
            ("name", "Community Counselling", "Community Counselling and Support")
        ]
        assert log[0].updated_by == "import"
        connection = await session.connection()
        payloads = (
            (
                await connection.execute(
                    sa.select(OutboxEvent.payload)
                    .where(OutboxEvent.topic == IMPORT_TOPIC)
                    .order_by(OutboxEvent.created_at)
                )
            )
            .scalars()
            .all()
        )
        # One event per written batch names the services the search index must rebuild.
        assert [SERVICE_ID in p.get("service_ids", []) for p in payloads][-1]
        assert len(payloads) <= 6


async def test_json_services_import_nested_entities(run: Importer) -> None:
    report = await run(
        lambda r: read_json(HSDS_EXAMPLES / "service_full.json", r), skip_invalid=True
    )
    assert report.committed
    for entity in ("organization", "service", "location", "address", "phone", "schedule"):
        assert report.entity(entity).created >= 1, entity
    again = await run(
        lambda r: read_json(HSDS_EXAMPLES / "service_full.json", r), skip_invalid=True
    )
    assert again.changed == 0


async def test_service_list_page_imports(run: Importer) -> None:
    report = await run(
        lambda r: read_json(HSDS_EXAMPLES / "service_list.json", r), skip_invalid=True
    )
    assert report.committed
    assert report.entity("service").created >= 1


async def test_package_terms_are_cross_walked_to_needs(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    from importers.crosswalk import Crosswalk
    from importers.records import internal_id

    org = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    files = {
        "organizations.csv": f"id,name,description\n{org},Helping Hands,Food\n",
        "services.csv": f"id,organization_id,name,status\ns-1,{org},Pantry,active\n",
        "taxonomies.csv": "id,name,description\ntx,Open Eligibility (test),Terms\n",
        "taxonomy_terms.csv": "id,code,name,taxonomy_id\nt-1,1102,Food Pantry,tx\n",
        "attributes.csv": "id,link_id,taxonomy_term_id,link_type,link_entity\n"
        "a-1,s-1,t-1,category,service\n",
    }
    package = tmp_path / "pkg"
    package.mkdir()
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    walk = tmp_path / "oe.yaml"
    walk.write_text("match: exact\nterms:\n  '1102': food.pantry\n", encoding="utf-8")
    report = await run(lambda r: read_package(package, r), crosswalk=Crosswalk.from_file(walk))
    assert report.committed, report.problems
    assert report.entity("attribute").created == 2
    async with session_factory() as session:
        connection = await session.connection()
        codes = (
            (
                await connection.execute(
                    sa.text(
                        "SELECT t.code FROM attribute a JOIN taxonomy_term t "
                        "ON t.id = a.taxonomy_term_id WHERE a.link_id = :s ORDER BY t.code"
                    ),
                    {"s": internal_id("test", "service", "s-1")},
                )
            )
            .scalars()
            .all()
        )
    assert codes == ["1102", "food.pantry"]
