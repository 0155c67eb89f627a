"""Imported listings reach the search index through the import's outbox events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.container import Container, build_container
from hub.core.settings import Settings
from importers.crosswalk import MAPPINGS_DIR, Crosswalk
from importers.hsds_reader import read_package
from importers.icarol import read_icarol
from importers.records import internal_id
from importers.report import ImportReport
from importers.run import run_import
from search.models import GeoPoint, PlaceContext, SearchRequest
from tests.importers.conftest import HSDS_EXAMPLES, ICAROL_SAMPLE
from tests.importers.test_deactivate import sid, write_package

FRUITVALE = GeoPoint(37.7766, -122.2213)
HAYWARD = GeoPoint(37.6688, -122.0808)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The real container: embedded index, index sync subscribed to committed events."""
    built = build_container(settings)
    yield built
    await built.close()


async def _found(container: Container, point: GeoPoint, zip_code: str, **kw: object) -> set[str]:
    assert container.search_backend is not None
    request = SearchRequest(
        point=point,
        radius_km=8,
        place=PlaceContext(zip_code, "Alameda County", "CA"),
        **kw,  # type: ignore[arg-type]
    )
    return {hit.service_id for hit in (await container.search_backend.search(request)).hits}


async def test_icarol_import_is_searchable_by_need_and_place(container: Container) -> None:
    report = ImportReport("211")
    await run_import(
        read_icarol(ICAROL_SAMPLE, report),
        session_factory=container.session_factory,
        report=report,
        clock=container.clock,
        geocoder=container.geocoder,
        crosswalk=Crosswalk.from_file(MAPPINGS_DIR / "airs_to_needs.yaml"),
    )
    assert report.committed
    assert container.index_sync is not None
    await container.index_sync.drain()
    childcare = internal_id("211", "service", "70003")
    assert childcare in await _found(container, FRUITVALE, "94601", needs=("childcare",))
    # An agency with no Program rows is still found at its site through its general service.
    legal = internal_id("211", "service", "70041:general")
    assert legal in await _found(container, HAYWARD, "94541", needs=("legal",))
    assert legal not in await _found(container, FRUITVALE, "94601", needs=("legal",))
    # The closed pantry is imported as inactive and never found.
    pantry = internal_id("211", "service", "70030:general")
    assert pantry not in await _found(container, FRUITVALE, "94601")


async def test_hsds_package_import_is_searchable_by_text(container: Container) -> None:
    report = ImportReport("ex", skip_invalid=True)
    await run_import(
        read_package(HSDS_EXAMPLES / "csv", report),
        session_factory=container.session_factory,
        report=report,
        clock=container.clock,
    )
    assert report.committed
    assert container.search_backend is not None
    assert container.index_sync is not None
    await container.index_sync.drain()
    page = await container.search_backend.search(SearchRequest(text="counselling"))
    assert {h.service_id for h in page.hits} == {"ac148810-d857-441c-9679-408f346de14b"}


async def test_a_service_dropped_by_a_complete_reimport_leaves_the_index(
    container: Container, tmp_path: Path
) -> None:
    assert container.search_backend is not None
    assert container.index_sync is not None
    full = write_package(tmp_path / "full", ["s-1", "s-2"], ["l-1"])
    smaller = write_package(tmp_path / "smaller", ["s-1"], ["l-1"])
    found: set[str] = set()
    for package in (full, smaller):
        report = ImportReport("test", complete=True)
        await run_import(
            read_package(package, report),
            session_factory=container.session_factory,
            report=report,
            clock=container.clock,
        )
        assert report.committed
        await container.index_sync.drain()
        page = await container.search_backend.search(SearchRequest(text="Service"))
        found = {h.service_id for h in page.hits}
        if package == full:
            assert found == {sid("s-1"), sid("s-2")}
    assert found == {sid("s-1")}
