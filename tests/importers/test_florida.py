"""Mapped CSV import: the Florida legal-aid data through the mapping we ship."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.crosswalk import MAPPINGS_DIR
from importers.mapped_csv import MappingError, load_mapping, read_mapped
from tests.importers.conftest import FLORIDA, Importer

MAPPING = MAPPINGS_DIR / "florida_legal_aid.yaml"


async def test_strict_import_reports_the_misaligned_row(run: Importer) -> None:
    mapping = load_mapping(MAPPING)
    report = await run(lambda r: read_mapped(FLORIDA, mapping, r), source="fl")
    assert not report.committed
    # Row 65 of services.csv has a URL in the minimum-age column (the source is shifted).
    assert [(p.file, p.row, p.field) for p in report.problems] == [
        ("services.csv", 65, "minimum_age")
    ]


async def test_florida_imports_with_skip_invalid(run: Importer) -> None:
    mapping = load_mapping(MAPPING)
    report = await run(lambda r: read_mapped(FLORIDA, mapping, r), source="fl", skip_invalid=True)
    assert report.committed
    counts = {e: c.created for e, c in report.counts.items()}
    assert counts == {
        "organization": 20,
        "location": 378,
        "address": 81,
        "phone": 89,
        "service": 135,
        "service_area": 1493,
    }
    # "State: FL" is not an address: skipped with a reason, not an error.
    assert any("not a full US street address" in k for k in report.skip_reasons)
    again = await run(lambda r: read_mapped(FLORIDA, mapping, r), source="fl", skip_invalid=True)
    assert again.changed == 0


async def test_single_file_with_mapping(run: Importer) -> None:
    mapping = load_mapping(MAPPING)
    report = await run(
        lambda r: read_mapped(FLORIDA / "organizations.csv", mapping, r), source="fl"
    )
    assert report.committed
    assert report.entity("organization").created == 20


def test_bad_mapping_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("services:\n  name: {model: services}\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"services\.name needs `model` and `field`"):
        load_mapping(bad)
    bad.write_text("services:\n  name: {model: spaceships, field: name}\n", encoding="utf-8")
    with pytest.raises(MappingError, match="unknown model 'spaceships'"):
        load_mapping(bad)
