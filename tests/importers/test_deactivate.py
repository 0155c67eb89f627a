"""A complete re-import deactivates what the source dropped; partial imports never do."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.db import SessionFactory
from importers.hsds_reader import read_package
from importers.records import internal_id
from providers.models import Metadata, Service
from providers.models.enums import ServiceStatus
from tests.importers.conftest import Importer, table_counts

ORG = "Helping Hands"


def write_package(directory: Path, services: list[str], sites: list[str]) -> Path:
    """A small HSDS package: one organization, services s-N, locations l-N, each linked."""
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], list[list[str]]]] = {
        "organizations.csv": (["id", "name", "description"], [["o-1", ORG, "Food and rent"]]),
        "services.csv": (
            ["id", "organization_id", "name", "status"],
            [[s, "o-1", f"Service {s}", "active"] for s in services],
        ),
        "locations.csv": (
            ["id", "organization_id", "name", "latitude", "longitude"],
            [[site, "o-1", f"Site {site}", "37.8", "-122.27"] for site in sites],
        ),
        "service_at_location.csv": (
            ["id", "service_id", "location_id"],
            [[f"{s}@{site}", s, site] for s in services for site in sites],
        ),
    }
    for name, (header, rows) in tables.items():
        with (directory / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return directory


def sid(ext: str) -> str:
    return internal_id("test", "service", ext)


async def statuses(factory: SessionFactory) -> dict[str, ServiceStatus]:
    async with factory() as session:
        rows = (await session.exec(sa.select(Service.id, Service.status))).all()
    return {row.id: ServiceStatus(row.status) for row in rows}


async def log_of(factory: SessionFactory, action: str) -> list[tuple[str, str, str, str]]:
    async with factory() as session:
        rows = (
            await session.exec(
                sa.select(
                    Metadata.resource_type,
                    Metadata.resource_id,
                    Metadata.previous_value,
                    Metadata.replacement_value,
                )
                .where(Metadata.last_action_type == action, Metadata.field_name == "status")
                .order_by(Metadata.resource_type, Metadata.resource_id)
            )
        ).all()
    return [tuple(row) for row in rows]


async def test_records_missing_from_a_complete_reimport_are_deactivated_then_reactivated(
    run: Importer, session_factory: SessionFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    full = write_package(tmp_path / "full", ["s-1", "s-2", "s-3"], ["l-1", "l-2"])
    first = await run(lambda r: read_package(full, r), complete=True)
    assert first.committed
    assert first.entity("service").created == 3

    smaller = write_package(tmp_path / "smaller", ["s-1", "s-2"], ["l-1"])
    second = await run(lambda r: read_package(smaller, r), complete=True)

    assert second.committed
    assert second.entity("service").deactivated == 1
    assert second.entity("location").deactivated == 1
    assert second.entity("organization").deactivated == 0
    assert second.entity("service").unchanged == 2
    assert second.as_dict()["counts"]["service"]["deactivated"] == 1
    found = await statuses(session_factory)
    assert found[sid("s-3")] == ServiceStatus.INACTIVE
    assert found[sid("s-1")] == found[sid("s-2")] == ServiceStatus.ACTIVE
    assert len(found) == 3  # deactivated, not deleted
    location = internal_id("test", "location", "l-2")
    assert await log_of(session_factory, "deactivate") == [
        ("location", location, "active", "inactive"),
        ("service", sid("s-3"), "active", "inactive"),
    ]

    # The same smaller package again: already deactivated, nothing changes.
    before = await table_counts(engine)
    third = await run(lambda r: read_package(smaller, r), complete=True)
    assert third.changed == 0
    assert await table_counts(engine) == before

    # The dropped records come back with the full package.
    fourth = await run(lambda r: read_package(full, r), complete=True)
    assert fourth.entity("service").updated == 1
    assert fourth.entity("location").updated == 1
    assert (await statuses(session_factory))[sid("s-3")] == ServiceStatus.ACTIVE
    assert await log_of(session_factory, "reactivate") == [
        ("location", location, "inactive", "active")
    ]
    async with session_factory() as session:
        service = await session.get(Service, sid("s-3"))
        assert service is not None
        assert service.version == 3  # deactivated, then reactivated


async def test_partial_imports_and_dry_runs_deactivate_nothing(
    run: Importer, session_factory: SessionFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    full = write_package(tmp_path / "full", ["s-1", "s-2"], ["l-1"])
    await run(lambda r: read_package(full, r), complete=True)
    extract = write_package(tmp_path / "extract", ["s-1"], ["l-1"])

    partial = await run(lambda r: read_package(extract, r))
    assert partial.committed
    assert partial.entity("service").deactivated == 0
    assert (await statuses(session_factory))[sid("s-2")] == ServiceStatus.ACTIVE

    before = await table_counts(engine)
    dry = await run(lambda r: read_package(extract, r), complete=True, dry_run=True)
    assert dry.entity("service").deactivated == 1  # reported ...
    assert await table_counts(engine) == before  # ... but not written
    assert (await statuses(session_factory))[sid("s-2")] == ServiceStatus.ACTIVE


async def test_a_missing_file_or_an_invalid_row_deactivates_nothing(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    full = write_package(tmp_path / "full", ["s-1", "s-2"], ["l-1"])
    await run(lambda r: read_package(full, r), complete=True)

    # No locations.csv at all: the package says nothing about locations.
    without_sites = write_package(tmp_path / "no-sites", ["s-1", "s-2"], ["l-1"])
    (without_sites / "locations.csv").unlink()
    (without_sites / "service_at_location.csv").unlink()
    report = await run(lambda r: read_package(without_sites, r), complete=True)
    assert report.committed
    assert report.entity("location").deactivated == 0
    assert any("no location records" in note for note in report.notes)

    # s-2 is still in the source but invalid (no name): skipped, not deactivated.
    broken = write_package(tmp_path / "broken", ["s-1", "s-2"], ["l-1"])
    services = broken / "services.csv"
    services.write_text(
        services.read_text(encoding="utf-8").replace("Service s-2", ""), encoding="utf-8"
    )
    skipped = await run(lambda r: read_package(broken, r), complete=True, skip_invalid=True)
    assert skipped.committed
    assert skipped.entity("service").skipped == 1
    assert skipped.entity("service").deactivated == 0
    assert (await statuses(session_factory))[sid("s-2")] == ServiceStatus.ACTIVE
