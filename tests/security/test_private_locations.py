"""Confidential (private) locations are invisible to every distance filter and sort outside.

The facade has its own tests; these cover the search documents (shared by the embedded and
Elasticsearch backends), the embedded backend and GraphQL `searchServices`, each probed the way
an anonymous caller would bisect a radius around the hidden place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from geopy.distance import geodesic
from sqlmodel import select

from hub.container import Container
from hub.core.db import SessionFactory
from providers import models as m
from search.backend import SearchBackend
from search.documents import iter_documents
from search.embedded import EmbeddedBackend
from search.es.backend import ElasticsearchBackend
from search.models import SortOrder
from search.query import Near
from tests.schema.conftest import GQL
from tests.search.conftest import Searcher
from tests.search.directory import LISTINGS, ZIP_94601, Directory, Listing, build_directory
from tests.search.es_builders import pairs
from tests.search.es_standin import ElasticsearchStandIn, elasticsearch_standin

# The hidden shelter: 300 m from the ZIP 94601 centroid, in that ZIP, open to every filter.
SHELTER_POINT = (37.7833, -122.2169)
SHELTER = Listing(
    "shelter",
    "Harbor Safe House",
    ("housing.shelter",),
    SHELTER_POINT,
    description="Confidential emergency shelter for survivors.",
)
# Probe centres: on the place itself, the ZIP centroid, and points around it.
PROBES = (
    SHELTER_POINT,
    ZIP_94601,
    (SHELTER_POINT[0] + 0.01, SHELTER_POINT[1]),
    (SHELTER_POINT[0], SHELTER_POINT[1] - 0.01),
)
RADII = (0.05, 0.4, 3.0, 25.0, 400.0)


async def _hide(session_factory: SessionFactory, directory: Directory) -> str:
    """Mark the shelter's location (and its address) confidential; return the service id."""
    async with session_factory() as session:
        location = await session.get(m.Location, directory.locations["shelter"])
        assert location is not None
        location.is_private = True
        session.add(location)
        address = (
            await session.exec(select(m.Address).where(m.Address.location_id == location.id))
        ).one()
        address.is_private = True
        session.add(address)
        await session.commit()
    return directory.services["shelter"]


@pytest.fixture
async def hidden(session_factory: SessionFactory) -> tuple[Directory, str]:
    """The East Bay directory plus a confidential shelter."""
    async with session_factory() as session:
        made = await build_directory(session, (*LISTINGS, SHELTER))
    return made, await _hide(session_factory, made)


@pytest.fixture
async def embedded(
    tmp_path: Path, session_factory: SessionFactory, hidden: tuple[Directory, str]
) -> AsyncIterator[SearchBackend]:
    """The embedded backend, rebuilt from the directory with the hidden shelter."""
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    async with session_factory() as session:
        await backend.rebuild(iter_documents(session, batch_size=4))
    yield backend
    await backend.close()


async def test_documents_of_a_private_place_carry_no_position(
    session_factory: SessionFactory, hidden: tuple[Directory, str]
) -> None:
    directory, shelter = hidden
    async with session_factory() as session:
        docs = [d async for batch in iter_documents(session) for d in batch]
    (doc,) = [d for d in docs if d.service_id == shelter]
    assert (doc.latitude, doc.longitude, doc.postal_code, doc.areas) == (None, None, None, ())
    assert doc.location_id is None
    # Public places keep theirs: the check is on privacy, not on every document.
    public = [d for d in docs if d.location_id == directory.locations["evening_childcare"]]
    assert public
    assert public[0].latitude is not None
    assert public[0].postal_code == "94601"


async def test_bisecting_the_radius_in_the_embedded_backend_learns_nothing(
    embedded: SearchBackend, session_factory: SessionFactory, hidden: tuple[Directory, str]
) -> None:
    directory, shelter = hidden
    search = Searcher(embedded, session_factory)
    # Found nationwide by its need, so the probes below would see it if distance let it through.
    _, everywhere = await search(needs=("housing.shelter",))
    assert shelter in {h.service_id for h in everywhere.hits}
    seen_public = 0
    for lat, lng in PROBES:
        for radius in RADII:
            for sort in (SortOrder.DISTANCE, SortOrder.RELEVANCE):
                _, page = await search(
                    needs=("housing.shelter", "childcare"),
                    near=Near(latitude=lat, longitude=lng),
                    radius_km=radius,
                    sort=sort,
                )
                ids = {h.service_id for h in page.hits}
                assert shelter not in ids, (lat, lng, radius, sort)
                seen_public += directory.services["evening_childcare"] in ids
    # The probes were real: the public childcare centre nearby was found within larger radii.
    assert seen_public > 0
    for postal in ("94601",):
        _, page = await search(needs=("housing.shelter",), near=Near(postal_code=postal))
        assert shelter not in {h.service_id for h in page.hits}


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GQL:
    """Run GraphQL operations against the app, anonymously unless told."""
    return GQL(client)


@pytest.fixture
def standin() -> Iterator[ElasticsearchStandIn]:
    """A fresh Elasticsearch 9 stand-in on loopback."""
    with elasticsearch_standin() as running:
        yield running


async def test_elasticsearch_receives_no_position_for_a_private_place(
    standin: ElasticsearchStandIn,
    session_factory: SessionFactory,
    hidden: tuple[Directory, str],
) -> None:
    _, shelter = hidden
    backend = ElasticsearchBackend.from_url(standin.url, "hub-private", refresh=True)
    try:
        async with session_factory() as session:
            await backend.rebuild(iter_documents(session, batch_size=4))
    finally:
        await backend.close()
    sent = [source for b in standin.calls("bulk") for _, source in pairs(b) if source is not None]
    (source,) = [s for s in sent if s["service_id"] == shelter]
    # geo_distance matches `location`, place filters match `areas`: neither is there to match.
    assert source.get("location") is None
    assert not source.get("areas")
    assert source.get("postal_code") is None
    located = [s for s in sent if s.get("location")]
    assert located, "public places are still sent with their coordinates"


@pytest.mark.usefixtures("hidden")
async def test_graphql_search_never_places_a_private_location(
    gql: GQL, container: Container
) -> None:
    assert container.search_backend is not None
    async with container.session_factory() as session:
        await container.search_backend.rebuild(iter_documents(session))
    query = """
    query Probe($input: SearchServicesInput!, $sort: SearchSort) {
      searchServices(input: $input, sort: $sort, first: 50) {
        ... on SearchServiceConnection {
          totalCount edges { distanceKm service { name } location { id latitude } }
        }
      }
    }
    """
    everywhere = await gql(query, {"input": {"needs": ["housing.shelter"]}})
    names = [e["service"]["name"] for e in everywhere["data"]["searchServices"]["edges"]]
    assert SHELTER.name in names
    (edge,) = [
        e
        for e in everywhere["data"]["searchServices"]["edges"]
        if e["service"]["name"] == SHELTER.name
    ]
    assert edge["location"] is None
    assert edge["distanceKm"] is None
    answers = set()
    for lat, lng in PROBES:
        for radius in RADII:
            body = await gql(
                query,
                {
                    "input": {
                        "needs": ["housing.shelter"],
                        "near": {"point": {"latitude": lat, "longitude": lng}},
                        "radiusKm": radius,
                    },
                    "sort": "DISTANCE",
                },
            )
            result = body["data"]["searchServices"]
            answers.add(result["totalCount"])
            assert SHELTER.name not in [e["service"]["name"] for e in result["edges"]]
    # Every probe got the same answer: nothing varies with the distance to the shelter.
    assert answers == {0}
    assert geodesic(SHELTER_POINT, ZIP_94601).km < 1.0
