"""Export: the package validates with the OFFICIAL HSDS datapackage.json (frictionless), HSDS JSON
validates against the official schemas with format checks on, nothing private or invalid is
written, and importing the export of an import changes nothing."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa
from frictionless import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from hub.container import build_container
from hub.core.db import SessionFactory
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, run_demo
from importers.crosswalk import MAPPINGS_DIR
from importers.export import ExportIssues, export_json, export_package
from importers.hsds_reader import read_json, read_package
from importers.icarol import read_icarol
from importers.mapped_csv import load_mapping, read_mapped
from providers import models as m
from tests.importers.conftest import FLORIDA, HSDS_EXAMPLES, ICAROL_SAMPLE, Importer

OFFICIAL = Path(__file__).resolve().parents[1] / "data" / "hsds-official"


def _official_report(directory: Path) -> list[list[Any]]:
    """Errors of frictionless validating the export's files with the official descriptor."""
    # The official file itself, beside the export's CSVs (its resource paths are relative).
    official = directory / "official-datapackage.json"
    shutil.copyfile(OFFICIAL / "datapackage.json", official)
    report = validate(official)
    errors: list[list[Any]] = report.flatten(["rowNumber", "fieldName", "type", "note"])
    return errors


def _json_validator() -> jsonschema.Draft202012Validator:
    schemas = OFFICIAL / "schema"
    registry: Registry[Any] = Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text("utf-8")), DRAFT202012))
        for p in schemas.glob("*.json")
    )
    schema = json.loads((schemas / "compiled" / "service.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _json_errors(path: Path) -> list[str]:
    validator = _json_validator()
    return [
        f"{service['name']}: {list(e.path)}: {e.message}"
        for service in json.loads(path.read_text(encoding="utf-8"))
        for e in validator.iter_errors(service)
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def _load_examples(run: Importer) -> None:
    assert (
        await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r), skip_invalid=True)
    ).committed
    assert (await run(lambda r: read_icarol(ICAROL_SAMPLE, r), source="211")).committed


async def test_package_follows_the_official_descriptor(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_examples(run)
    async with session_factory() as session:
        connection = await session.connection()
        service = (await connection.execute(sa.select(m.Service.id).limit(1))).scalar_one()
        for suffix, before, after in (("0001", "", "Food"), ("0002", "Food", "Food bank")):
            await connection.execute(
                sa.insert(m.Metadata).values(
                    id=f"{service[:-4]}{suffix}",
                    resource_id=service,
                    resource_type="service",
                    last_action_date=sa.func.current_timestamp(),
                    last_action_type="update",
                    field_name="name",
                    previous_value=before,
                    replacement_value=after,
                    updated_by="import:test",
                )
            )
        await session.commit()
    issues = ExportIssues()
    counts = await export_package(
        session_factory=session_factory, directory=tmp_path, issues=issues
    )
    assert _official_report(tmp_path) == []
    # The official descriptor requires a previous value: a first value is left out, counted.
    [change] = _rows(tmp_path / "metadata.csv")
    assert (change["previous_value"], change["replacement_value"]) == ("Food", "Food bank")
    assert issues.rows[("metadata", "no valid previous_value")] == 1
    # Our own descriptor is the official one's resources, foreign keys and formats included.
    ours = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    official = json.loads((OFFICIAL / "datapackage.json").read_text(encoding="utf-8"))
    assert ours["resources"] == official["resources"]
    assert validate(tmp_path / "datapackage.json").valid
    # Columns in the official order (the issue: taxonomy_terms.csv had them shuffled).
    for resource in official["resources"]:
        with (tmp_path / resource["path"]).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["path"]
    assert counts["service"] == 6
    assert counts["metadata"] == 1
    tables = _rows(tmp_path / "meta_table_descriptions.csv")
    assert {t["name"] for t in tables} == {r["name"] for r in official["resources"]}


async def test_florida_export_validates(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    mapping = load_mapping(MAPPINGS_DIR / "florida_legal_aid.yaml")
    report = await run(lambda r: read_mapped(FLORIDA, mapping, r), source="fl", skip_invalid=True)
    assert report.committed
    issues = ExportIssues()
    counts = await export_package(
        session_factory=session_factory, directory=tmp_path, issues=issues
    )
    assert counts["service"] == 135
    assert _official_report(tmp_path) == []
    await export_json(session_factory=session_factory, path=tmp_path / "services.json")
    assert _json_errors(tmp_path / "services.json") == []


@pytest.mark.slow
async def test_demo_export_validates(settings: Settings, tmp_path: Path) -> None:
    container = build_container(settings)
    try:
        await run_demo(container, steps=[s for s in DEMO_STEPS if s.key in ("needs", "directory")])
        issues = ExportIssues()
        counts = await export_package(
            session_factory=container.session_factory, directory=tmp_path / "pkg", issues=issues
        )
        await export_json(session_factory=container.session_factory, path=tmp_path / "s.json")
    finally:
        await container.close()
    assert counts["service"] > 1000
    assert _official_report(tmp_path / "pkg") == []
    assert _json_errors(tmp_path / "s.json") == []
    # Nothing of the demo's confidential shelters' places is published.
    addresses = _rows(tmp_path / "pkg" / "addresses.csv")
    locations = {r["id"]: r for r in _rows(tmp_path / "pkg" / "locations.csv")}
    assert all(r["location_id"] in locations for r in addresses)
    assert sum(1 for r in locations.values() if not r["latitude"]) > 0


async def test_invalid_values_are_left_out_and_counted(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_examples(run)
    async with session_factory() as session:
        connection = await session.connection()
        service = (await connection.execute(sa.select(m.Service.id).limit(1))).scalar_one()
        org = (await connection.execute(sa.select(m.Service.organization_id).limit(1))).scalar_one()
        # What an older import (before URLs were normalized) may have left in the database.
        await connection.execute(
            sa.update(m.Service)
            .where(m.Service.id == service)
            .values(url="www.example.org/a b", email="help at example.org")
        )
        # Two programs of one organization: the official descriptor allows one (unique).
        for name in ("First program", "Second program"):
            await connection.execute(
                sa.insert(m.Program).values(
                    id=f"00000000-0000-4000-8000-00000000000{len(name) % 10}",
                    organization_id=org,
                    name=name,
                    description="Training.",
                    created_at=sa.func.current_timestamp(),
                    updated_at=sa.func.current_timestamp(),
                )
            )
        await session.commit()
    issues = ExportIssues()
    await export_package(session_factory=session_factory, directory=tmp_path, issues=issues)
    assert _official_report(tmp_path) == []
    row = next(r for r in _rows(tmp_path / "services.csv") if r["id"] == service)
    assert (row["url"], row["email"]) == ("", "")
    assert issues.values[("service", "url")] == 1
    assert issues.values[("service", "email")] == 1
    assert issues.rows[("program", "no valid organization_id")] >= 1
    assert any("service.url" in line for line in issues.summary())
    await export_json(session_factory=session_factory, path=tmp_path / "services.json")
    assert _json_errors(tmp_path / "services.json") == []
    exported = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    assert "url" not in next(s for s in exported if s["id"] == service)


async def test_json_export_validates_with_formats(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_examples(run)
    path = tmp_path / "services.json"
    written = await export_json(session_factory=session_factory, path=path)
    assert written == len(json.loads(path.read_text(encoding="utf-8"))) == 6
    assert _json_errors(path) == []
    # The check is real: formats are checked (a bad email fails), and so is the shape.
    validator = _json_validator()
    assert list(validator.iter_errors({"id": "x", "status": "active"}))
    broken = {"id": "ac148810-d857-441c-9679-408f346de14b", "name": "n", "status": "active"}
    assert list(validator.iter_errors({**broken, "url": "not a uri"}))
    assert not list(validator.iter_errors(broken))


async def test_nothing_private_is_exported(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_examples(run)
    async with session_factory() as session:
        connection = await session.connection()
        private = (
            await connection.execute(
                sa.select(m.Location.id).where(m.Location.is_private.is_(True)).limit(1)
            )
        ).scalar_one()
        address = (
            await connection.execute(
                sa.select(m.Address.id).where(m.Address.is_private.is_(True)).limit(1)
            )
        ).scalar_one()
        # Unmarked, the street address of a confidential place stays out all the same.
        await connection.execute(
            sa.update(m.Address).where(m.Address.id == address).values(is_private=False)
        )
        stamp = {"last_action_date": sa.func.current_timestamp(), "updated_by": "test"}
        for resource_type, resource_id, field, value in (
            ("location", private, "latitude", "37.123456"),
            ("address", address, "address_1", "1 Confidential Way"),
            ("location", private, "name", "Renamed shelter"),
        ):
            await connection.execute(
                sa.insert(m.Metadata).values(
                    id=f"{resource_id[:-4]}{len(field):04d}",
                    resource_id=resource_id,
                    resource_type=resource_type,
                    last_action_type="update",
                    field_name=field,
                    previous_value="before",
                    replacement_value=value,
                    **stamp,
                )
            )
        await session.commit()
    await export_package(session_factory=session_factory, directory=tmp_path / "pkg")
    everything = "".join(p.read_text("utf-8") for p in (tmp_path / "pkg").glob("*.csv"))
    assert "1 Confidential Way" not in everything
    assert "37.123456" not in everything
    assert "Renamed shelter" in everything  # a public fact of a private place stays
    path = tmp_path / "services.json"
    await export_json(session_factory=session_factory, path=path)
    assert "1 Confidential Way" not in path.read_text(encoding="utf-8")
    await export_json(session_factory=session_factory, path=path, include_private=True)
    assert "1 Confidential Way" in path.read_text(encoding="utf-8")


async def test_round_trip_changes_nothing(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    assert (
        await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r), skip_invalid=True)
    ).committed
    await export_package(session_factory=session_factory, directory=tmp_path / "pkg")
    await export_json(session_factory=session_factory, path=tmp_path / "services.json")
    package = await run(lambda r: read_package(tmp_path / "pkg", r))
    assert package.committed
    assert package.problems == []
    assert package.changed == 0
    assert package.totals().unchanged > 100
    as_json = await run(lambda r: read_json(tmp_path / "services.json", r))
    assert as_json.committed
    assert as_json.changed == 0
