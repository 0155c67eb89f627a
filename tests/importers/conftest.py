"""Fixtures for import/export tests: the reference inputs and a runner over the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from importers.crosswalk import Crosswalk
from importers.records import Record
from importers.report import ImportReport
from importers.run import run_import
from providers.geocoding import Geocoder
from tests.reference_data import require_reference

# Public corpora copied into tests/data with their licences (see tests/data/README.md): the
# HSDS 3.0 examples (CC BY-SA 4.0), the Florida legal-aid data (MIT), the Ohana 1.x-era San
# Mateo sample (BSD 3-Clause). The iCarol sample states no licence, so it is read in place.
DATA = Path(__file__).resolve().parents[1] / "data"
HSDS_EXAMPLES = DATA / "hsds-3.0" / "examples"
HSDS_SERVICE_SCHEMA = DATA / "hsds-3.0" / "schema" / "service_with_definitions.json"
FLORIDA = DATA / "florida-legal-aid"
OHANA = DATA / "ohana-sample-csv"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
ICAROL_SAMPLE = REFERENCE / "icarol-211-export" / "sample.csv"

require_reference(ICAROL_SAMPLE)  # skipped without ../shared; a failure under CI=true

Reader = Callable[[ImportReport], Iterable[Record]]


class Importer:
    """Runs one import like the CLI does and returns its report."""

    def __init__(self, factory: SessionFactory) -> None:
        self.factory = factory

    async def __call__(
        self,
        reader: Reader,
        *,
        source: str = "test",
        dry_run: bool = False,
        skip_invalid: bool = False,
        complete: bool = False,
        geocoder: Geocoder | None = None,
        crosswalk: Crosswalk | None = None,
        batch_size: int = 1000,
    ) -> ImportReport:
        report = ImportReport(source, dry_run=dry_run, skip_invalid=skip_invalid, complete=complete)
        return await run_import(
            reader(report),
            session_factory=self.factory,
            report=report,
            clock=SystemClock(),
            geocoder=geocoder,
            crosswalk=crosswalk,
            batch_size=batch_size,
        )


@pytest.fixture
def run(session_factory: SessionFactory) -> Importer:
    """Import through the real pipeline into the test database."""
    return Importer(session_factory)


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows per directory table, to prove an import changed nothing."""
    from importers.entities import ENTITY_ORDER

    counts: dict[str, int] = {}
    async with engine.connect() as connection:
        for name in (*ENTITY_ORDER, "import_key", "metadata", "outbox_event"):
            result = await connection.execute(sa.text(f"SELECT count(*) FROM {name}"))
            counts[name] = int(result.scalar_one())
    return counts
