"""Export: HSDS JSON validates against the compiled schemas, the package passes frictionless,
and importing the export of an import changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from frictionless import validate

from hub.core.db import SessionFactory
from importers.export import export_json, export_package
from importers.hsds_reader import read_json, read_package
from importers.icarol import read_icarol
from tests.importers.conftest import HSDS_EXAMPLES, HSDS_SERVICE_SCHEMA, ICAROL_SAMPLE, Importer


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(HSDS_SERVICE_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


async def _load_everything(run: Importer) -> None:
    assert (
        await run(lambda r: read_package(HSDS_EXAMPLES / "csv", r), skip_invalid=True)
    ).committed
    assert (await run(lambda r: read_icarol(ICAROL_SAMPLE, r), source="211")).committed


async def test_json_export_validates(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_everything(run)
    path = tmp_path / "services.json"
    written = await export_json(session_factory=session_factory, path=path)
    services = json.loads(path.read_text(encoding="utf-8"))
    assert written == len(services) == 6
    validator = _validator()
    for service in services:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(service)]
        assert errors == [], service["name"]
    # The schema check is real: a service without a name fails it.
    assert list(validator.iter_errors({"id": "x", "status": "active"}))


async def test_public_export_leaves_private_addresses_out(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_everything(run)
    path = tmp_path / "services.json"
    await export_json(session_factory=session_factory, path=path)
    assert "1 Confidential Way" not in path.read_text(encoding="utf-8")
    await export_package(session_factory=session_factory, directory=tmp_path / "pkg")
    assert "1 Confidential Way" not in (tmp_path / "pkg" / "addresses.csv").read_text("utf-8")
    await export_json(session_factory=session_factory, path=path, include_private=True)
    assert "1 Confidential Way" in path.read_text(encoding="utf-8")


async def test_package_passes_frictionless(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _load_everything(run)
    counts = await export_package(session_factory=session_factory, directory=tmp_path / "pkg")
    assert counts["service"] == 6
    report = validate(tmp_path / "pkg" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


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
