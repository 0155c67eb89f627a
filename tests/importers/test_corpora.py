"""Real corpora end to end: imported, found by search, exported as HSDS that passes the official
schema with format checks on (URIs, emails, dates, UUIDs)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hub.container import Container, build_container
from hub.core.settings import Settings
from importers.crosswalk import MAPPINGS_DIR
from importers.export import export_json
from importers.hsds_reader import read_json
from importers.mapped_csv import load_mapping, read_mapped
from importers.records import internal_id
from importers.report import ImportReport
from importers.run import run_import
from search.models import GeoPoint, PlaceContext, SearchRequest
from tests.importers.conftest import FLORIDA, HSDS_EXAMPLES, HSDS_SERVICE_SCHEMA, OHANA, Reader

REDWOOD_CITY = GeoPoint(37.4772, -122.2168)  # Fair Oaks, the Ohana sample's first location


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The real container: database, embedded search index fed by the import's events."""
    built = build_container(settings)
    yield built
    await built.close()


async def _import(
    container: Container, reader: Reader, source: str, *, skip_invalid: bool = False
) -> ImportReport:
    report = ImportReport(source, skip_invalid=skip_invalid)
    await run_import(
        reader(report),
        session_factory=container.session_factory,
        report=report,
        clock=container.clock,
    )
    assert report.committed, report.problems
    return report


async def _found(container: Container, text: str) -> set[str]:
    """Services a nationwide text search finds once the index has caught up."""
    assert container.index_sync is not None
    assert container.search_backend is not None
    await container.index_sync.drain()
    page = await container.search_backend.search(SearchRequest(text=text, first=50))
    return {hit.service_id for hit in page.hits}


async def _exported_errors(container: Container, path: Path) -> tuple[int, list[str]]:
    """Services exported, and every official-schema error among them (formats checked)."""
    await export_json(session_factory=container.session_factory, path=path)
    return _schema_errors(path)


def _schema_errors(path: Path) -> tuple[int, list[str]]:
    services: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(HSDS_SERVICE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [
        f"{service['name']}: {list(e.path)}: {e.message}"
        for service in services
        for e in validator.iter_errors(service)
    ]
    return len(services), errors


async def test_ohana_sample_through_the_shipped_mapping(
    container: Container, tmp_path: Path
) -> None:
    mapping = load_mapping(MAPPINGS_DIR / "ohana_1x.yaml")
    report = await _import(container, lambda r: read_mapped(OHANA, mapping, r), "ohana")
    assert report.problems == []
    assert report.entity("service").created == 23
    assert report.entity("schedule").created == 11  # regular_schedules.csv, "9am" and "4:00 PM"
    assert report.entity("service_at_location").created == 23
    assert "holiday_schedules.csv: not in the mapping; not imported" in report.notes

    assert container.index_sync is not None
    await container.index_sync.drain()
    assert container.search_backend is not None
    hits = await container.search_backend.search(
        SearchRequest(
            text="older adults",
            point=REDWOOD_CITY,
            radius_km=5,
            place=PlaceContext("94063", "San Mateo County", "CA"),
        )
    )
    assert internal_id("ohana", "service", "1") in {hit.service_id for hit in hits.hits}

    count, errors = await _exported_errors(container, tmp_path / "services.json")
    assert count == 23
    assert errors == []


async def test_florida_exports_valid_hsds(container: Container, tmp_path: Path) -> None:
    mapping = load_mapping(MAPPINGS_DIR / "florida_legal_aid.yaml")
    report = await _import(
        container, lambda r: read_mapped(FLORIDA, mapping, r), "fl", skip_invalid=True
    )
    # Bare domains (www.x.org, GULFCOASTLEGAL.ORG) became absolute URIs and "N/A" nothing;
    # only the shifted row 65 (eligibility text in the url and email columns) is dropped.
    assert [(w.row, w.field) for w in report.warnings if w.field in ("url", "email")] == [
        (65, "email"),
        (65, "url"),
    ]
    assert await _found(container, "immigration") >= {"5bc27d12-1b1c-40b5-a798-76cbd0502002"}
    count, errors = await _exported_errors(container, tmp_path / "services.json")
    assert count == 135
    assert errors == []


@pytest.mark.parametrize("name", ["service_full.json", "service_list.json", "tabular.json"])
async def test_official_examples_export_valid_hsds(
    container: Container, tmp_path: Path, name: str
) -> None:
    await _import(container, lambda r: read_json(HSDS_EXAMPLES / name, r), "ex")
    assert await _found(container, "counselling") == {"ac148810-d857-441c-9679-408f346de14b"}
    count, errors = await _exported_errors(container, tmp_path / "services.json")
    assert count == 1
    assert errors == []
