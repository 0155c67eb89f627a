"""Malformed inputs get a precise report (file, row, field, reason) and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from importers.hsds_reader import read_json, read_package
from importers.prepare import PendingRow
from importers.records import internal_id
from importers.report import ImportReport, Origin
from importers.upsert import RejectedBatch, Upserter
from providers.models import Service
from tests.importers.conftest import HSDS_EXAMPLES, Importer, table_counts

ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
ORG_HEADER = "id,name,alternate_name,description,email,website"
SERVICE_HEADER = "id,organization_id,name,description,status"
LOCATION_HEADER = "id,location_type,organization_id,name,latitude,longitude"


def _package(tmp: Path, **files: str) -> Path:
    root = tmp / "pkg"
    root.mkdir(exist_ok=True)
    base = {
        "organizations.csv": f"{ORG_HEADER}\n{ORG},Helping Hands,,Food and shelter,,\n",
        "services.csv": f"{SERVICE_HEADER}\ns-1,{ORG},Food pantry,Groceries,active\n",
    }
    base.update({name.replace("_csv", ".csv"): text for name, text in files.items()})
    for name, text in base.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


async def _expect_refused(run: Importer, engine: AsyncEngine, package: Path) -> ImportReport:
    before = await table_counts(engine)
    report = await run(lambda r: read_package(package, r))
    assert report.failed
    assert not report.committed
    assert await table_counts(engine) == before
    return report


def _where(report: ImportReport) -> set[tuple[str, int, str]]:
    return {(p.file, p.row, p.field) for p in report.problems}


async def test_missing_required_column(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    package = _package(tmp_path, services_csv=f"id,organization_id,description\ns-1,{ORG},x\n")
    report = await _expect_refused(run, engine, package)
    assert ("services.csv", 1, "name") in _where(report)
    assert "required column is missing" in report.problems[0].reason


async def test_broken_foreign_key_keeps_the_record_aside(
    run: Importer, engine: AsyncEngine, tmp_path: Path
) -> None:
    package = _package(
        tmp_path,
        services_csv=f"{SERVICE_HEADER}\ns-1,{ORG},Food pantry,x,active\ns-2,nope,Meals,y,active\n",
    )
    report = await run(lambda r: read_package(package, r))
    assert report.committed
    assert report.problems == []
    assert report.entity("service").created == 1
    assert report.entity("service").deferred == 1
    assert [(w.file, w.row, w.field) for w in report.warnings] == [
        ("services.csv", 3, "organization_id")
    ]
    assert "organization 'nope'" in report.warnings[0].reason
    assert "kept aside" in report.warnings[0].reason


async def test_bad_coordinates(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        locations_csv=(
            f"{LOCATION_HEADER}\nl-1,physical,{ORG},Main,north,-122.1\n"
            f"l-2,physical,{ORG},Annex,37.8,-222.5\n"
        ),
    )
    # Not a number: a problem. A number outside the globe: dropped with a warning.
    report = await _expect_refused(run, engine, package)
    assert _where(report) == {("locations.csv", 2, "latitude")}
    assert [(w.file, w.row, w.field) for w in report.warnings] == [
        ("locations.csv", 3, "longitude")
    ]


async def test_wrong_encoding(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    package = _package(tmp_path)
    text = f"{SERVICE_HEADER}\ns-1,{ORG},Food pantry,x,active\n"
    (package / "services.csv").write_bytes(text.encode("utf-16-le"))
    report = await _expect_refused(run, engine, package)
    assert _where(report) == {("services.csv", 0, "")}
    assert "NUL bytes" in report.problems[0].reason


async def test_truncated_csv(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        services_csv=f'{SERVICE_HEADER}\ns-1,{ORG},Food pantry,x,active\ns-2,{ORG},"Meals on',
    )
    report = await _expect_refused(run, engine, package)
    assert _where(report) == {("services.csv", 3, "")}
    assert "truncated" in report.problems[0].reason


async def test_truncated_row(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    package = _package(
        tmp_path, services_csv=f"{SERVICE_HEADER}\ns-1,{ORG},Food pantry,x,active\ns-2,{ORG}"
    )
    report = await _expect_refused(run, engine, package)
    assert _where(report) == {("services.csv", 3, "name")}
    assert "2 of 5 columns" in report.problems[0].reason


async def test_truncated_json(run: Importer, engine: AsyncEngine, tmp_path: Path) -> None:
    broken = tmp_path / "services.json"
    text = (HSDS_EXAMPLES / "service_full.json").read_text(encoding="utf-8")
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    before = await table_counts(engine)
    report = await run(lambda r: read_json(broken, r))
    assert report.failed
    assert not report.committed
    assert report.problems[0].file == "services.json"
    assert "invalid JSON" in report.problems[0].reason
    assert await table_counts(engine) == before


async def test_failure_late_in_a_large_import_leaves_nothing(
    run: Importer, engine: AsyncEngine, tmp_path: Path
) -> None:
    # Many batches are written before the bad row; the one transaction still rolls them all back.
    rows = "".join(f"s-{i},{ORG},Service {i},x,active\n" for i in range(250))
    package = _package(tmp_path, services_csv=f"{SERVICE_HEADER}\n{rows}s-bad,{ORG},Bad,x,gone\n")
    before = await table_counts(engine)
    report = await run(lambda r: read_package(package, r), batch_size=50)
    assert report.entity("service").created == 251
    assert _where(report) == {("services.csv", 252, "status")}
    assert not report.committed
    assert await table_counts(engine) == before


async def test_skip_invalid_keeps_the_rest(run: Importer, tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        services_csv=(
            f"{SERVICE_HEADER}\ns-1,{ORG},Food pantry,x,active\ns-2,{ORG},Meals,y,active\n"
            f"s-3,{ORG},,z,active\n"
        ),
    )
    report = await run(lambda r: read_package(package, r), skip_invalid=True)
    assert report.committed
    assert report.entity("service").created == 2
    assert _where(report) == {("services.csv", 4, "name")}
    assert report.skip_reasons == {"service: required field missing or invalid": 1}


async def test_dry_run_reports_without_writing(
    run: Importer, engine: AsyncEngine, tmp_path: Path
) -> None:
    package = _package(tmp_path)
    before = await table_counts(engine)
    report = await run(lambda r: read_package(package, r), dry_run=True)
    assert report.entity("service").created == 1
    assert not report.committed
    assert await table_counts(engine) == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
async def test_encodings_are_detected(
    run: Importer, session_factory: SessionFactory, tmp_path: Path, encoding: str
) -> None:
    package = _package(tmp_path)
    text = f"{SERVICE_HEADER}\ns-1,{ORG},Café “Bienvenue”,Repas gratuits,active\n"
    (package / "services.csv").write_bytes(text.encode(encoding))
    report = await run(lambda r: read_package(package, r))
    assert report.committed
    async with session_factory() as session:
        service = await session.get(Service, internal_id("test", "service", "s-1"))
    assert service is not None
    assert service.name == "Café “Bienvenue”"


async def test_taxonomy_name_clash_is_kept_apart(run: Importer, tmp_path: Path) -> None:
    package = _package(tmp_path, taxonomies_csv="id,name,description\nt-1,hub-needs,Ours\n")
    first = await run(lambda r: read_package(package, r), source="peer")
    assert first.committed
    assert "kept as 'hub-needs (peer)'" in " ".join(first.notes)
    again = await run(lambda r: read_package(package, r), source="peer")
    assert again.committed
    assert again.changed == 0


async def test_a_database_refusal_names_the_records_it_came_from(
    session_factory: SessionFactory,
) -> None:
    # Every known constraint is checked before writing; this row skips those checks (as a
    # constraint nobody foresaw would) to show what the import reports if the database refuses.
    report = ImportReport("test")
    async with session_factory() as session:
        upserter = Upserter(
            session=session, source="test", clock=SystemClock(), report=report, actor_name="t"
        )
        await upserter.start()
        bad = PendingRow("organization", "o-1", ORG, {"name": None}, [], Origin("orgs.csv", 7))
        upserter.buffers["organization"].append(bad)
        with pytest.raises(RejectedBatch) as caught:
            await upserter.flush()
        await session.rollback()
    assert (caught.value.entity, caught.value.first, caught.value.last) == (
        "organization",
        Origin("orgs.csv", 7),
        Origin("orgs.csv", 7),
    )
