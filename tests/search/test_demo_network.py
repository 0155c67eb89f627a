"""The issue's example query on the demo network (needs, directory and search demo steps)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from geopy.distance import geodesic
from sqlmodel import col, select

from hub.container import Container, build_container
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, run_demo
from hub.identity.principal import ANONYMOUS
from providers.models import Location, ServiceArea
from search.models import SearchPage, SortOrder
from search.query import Near, SearchQuery
from search.service import search_services

pytestmark = pytest.mark.slow
OAKLAND_94601 = (37.7806, -122.2166)


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[Container]:
    """A container over the demo directory, indexed by the demo's own search step."""
    container = build_container(settings)
    steps = [s for s in DEMO_STEPS if s.key in ("needs", "directory", "search")]
    ctx = await run_demo(container, steps=steps)
    assert ctx.summary["search_documents"]
    yield container
    await container.close()


async def _search(container: Container, **kwargs: object) -> SearchPage:
    assert container.search_backend is not None
    async with container.session_factory() as session:
        _, page = await search_services(
            session=session,
            backend=container.search_backend,
            geocoder=container.geocoder,
            clock=container.clock,
            actor=ANONYMOUS,
            query=SearchQuery(**kwargs),  # type: ignore[arg-type]
        )
    return page


async def test_example_query_on_the_demo_network(demo: Container) -> None:
    example = {
        "needs": ("childcare", "transportation"),
        "near": Near(postal_code="94601"),
        "radius_km": 10.0,
    }
    strict = await _search(
        demo,
        **example,
        languages=("es",),
        open_evenings=True,
        free=True,
        sort=SortOrder.DISTANCE,
    )
    broad = await _search(demo, **example, sort=SortOrder.DISTANCE, first=100)
    assert strict.total >= 1
    assert broad.total > strict.total
    # The strict results are a subset of the broad ones (filters only ever narrow).
    assert {h.document_id for h in strict.hits} <= {h.document_id for h in broad.hits}
    async with demo.session_factory() as session:
        location_ids = [h.location_id for h in broad.hits if h.location_id]
        places = {
            loc.id: (loc.latitude, loc.longitude)
            for loc in await session.exec(
                select(Location).where(col(Location.id).in_(location_ids))
            )
        }
        area_services = [h.service_id for h in broad.hits if h.distance_km is None]
        areas = list(
            await session.exec(
                select(ServiceArea).where(col(ServiceArea.service_id).in_(area_services))
            )
        )
    distances = [h.distance_km for h in broad.hits if h.distance_km is not None]
    assert distances
    assert distances == sorted(distances)
    for hit in broad.hits:
        assert any(h.field == "needs" and h.fragments for h in hit.highlights)
        if hit.distance_km is None:
            # Area-served: ZIP 94601 is inside the service's area.
            extents = [a.extent or "" for a in areas if a.service_id == hit.service_id]
            assert any("94601" in e for e in extents)
            continue
        assert hit.location_id is not None
        expected = geodesic(OAKLAND_94601, places[hit.location_id]).km
        assert hit.distance_km == pytest.approx(expected, abs=0.005)
        assert hit.distance_km <= 10.0
    for name in ("delivery_modes", "organizations"):
        if name == "organizations" and len(broad.facets[name]) >= 25:
            continue  # only the top organizations are listed
        assert sum(v.count for v in broad.facets[name]) == broad.total
    needs = {v.value: v.count for v in broad.facets["needs"]}
    assert needs.get("childcare", 0) + needs.get("transportation", 0) >= broad.total
