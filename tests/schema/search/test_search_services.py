"""searchServices over HTTP: anonymous callers, the issue's example, typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from geopy.distance import geodesic
from sqlmodel import select

from hub.container import Container
from hub.core.clock import FixedClock
from search.documents import iter_documents
from search.log import SearchLog
from tests.schema.conftest import GQL
from tests.search.directory import LISTINGS, ZIP_94601, Directory, build_directory

SEARCH = """
query Search($input: SearchServicesInput!, $sort: SearchSort, $first: Int, $after: String) {
  searchServices(input: $input, sort: $sort, first: $first, after: $after) {
    __typename
    ... on SearchServiceConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      facets {
        needs { value label count }
        languages { value count }
        organizations { value label count }
        deliveryModes { value count }
      }
      edges {
        cursor distanceKm score
        highlights { field fragments }
        service { id name }
        location { id name }
      }
    }
    ... on ValidationFailed { code errors { field code message } }
  }
}
"""

EXAMPLE = {
    "needs": ["childcare", "transportation"],
    "near": {"postalCode": "94601"},
    "radiusKm": 10,
    "languages": ["es"],
    "openEvenings": True,
    "free": True,
}


@pytest.fixture
async def indexed(container: Container) -> Directory:
    """The East Bay directory, indexed in the container's backend."""
    container.clock = FixedClock(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))
    async with container.session_factory() as session:
        made = await build_directory(session)
    assert container.search_backend is not None
    async with container.session_factory() as session:
        await container.search_backend.rebuild(iter_documents(session))
    return made


async def test_anonymous_example_search(gql: GQL, indexed: Directory) -> None:
    body = await gql(SEARCH, {"input": EXAMPLE, "sort": "DISTANCE"})
    result = body["data"]["searchServices"]
    assert result["__typename"] == "SearchServiceConnection", body
    names = [e["service"]["name"] for e in result["edges"]]
    assert names[:2] == ["Evening Childcare Center", "Bus Pass Program"]
    assert set(names[2:]) == {
        "Alameda County Transit Vouchers",
        "Online Childcare Subsidy Application",
    }
    assert result["totalCount"] == 4
    points = {item.name: item.point for item in LISTINGS}
    for edge in result["edges"]:
        point = points[edge["service"]["name"]]
        if point is None:
            assert edge["distanceKm"] is None
            assert edge["location"] is None
        else:
            assert edge["distanceKm"] == pytest.approx(geodesic(ZIP_94601, point).km, abs=0.002)
            assert edge["distanceKm"] <= 10
            assert edge["location"]["name"].endswith("site")
        assert any(h["field"] == "needs" for h in edge["highlights"])
    facets = result["facets"]
    assert sum(v["count"] for v in facets["deliveryModes"]) == 4
    assert sum(v["count"] for v in facets["organizations"]) == 4
    assert {v["value"]: v["label"] for v in facets["needs"]}["childcare"] == "Childcare"


async def test_paging_with_cursor(gql: GQL, indexed: Directory) -> None:
    first = (await gql(SEARCH, {"input": EXAMPLE, "first": 3}))["data"]["searchServices"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert len(first["edges"]) == 3
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(SEARCH, {"input": EXAMPLE, "first": 3, "after": after}))["data"][
        "searchServices"
    ]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert len(rest["edges"]) == 1
    ids = {e["service"]["id"] for e in first["edges"]} | {e["service"]["id"] for e in rest["edges"]}
    assert len(ids) == 4


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"needs": ["childcare", "unicorns"]}, "needs", "UNKNOWN_NEED"),
        ({"near": {"postalCode": "99999"}}, "near.postalCode", "UNKNOWN_PLACE"),
        ({"radiusKm": 0}, "radiusKm", "OUT_OF_RANGE"),
        ({"radiusKm": 20000}, "radiusKm", "OUT_OF_RANGE"),
        ({"near": {"point": {"latitude": 123, "longitude": 0}}}, "near", "OUT_OF_RANGE"),
    ],
)
async def test_typed_errors(
    gql: GQL, indexed: Directory, change: dict[str, object], field: str, code: str
) -> None:
    body = await gql(SEARCH, {"input": {**EXAMPLE, **change}})
    result = body["data"]["searchServices"]
    assert result["__typename"] == "ValidationFailed"
    assert (result["errors"][0]["field"], result["errors"][0]["code"]) == (field, code)


async def test_near_takes_exactly_one_place(gql: GQL, indexed: Directory) -> None:
    near = {"postalCode": "94601", "address": "Oakland, CA"}
    body = await gql(SEARCH, {"input": {**EXAMPLE, "near": near}})
    assert body["data"] is None
    assert "exactly one" in body["errors"][0]["message"].lower()


async def test_address_and_point_places(gql: GQL, indexed: Directory) -> None:
    by_address = {**EXAMPLE, "near": {"address": "1900 Fruitvale Ave, Oakland, CA 94601"}}
    by_point = {**EXAMPLE, "near": {"point": {"latitude": ZIP_94601[0], "longitude": ZIP_94601[1]}}}
    for variables in (by_address, by_point):
        result = (await gql(SEARCH, {"input": variables}))["data"]["searchServices"]
        assert result["totalCount"] == 4


async def test_search_is_logged_off_the_request_path(
    gql: GQL, indexed: Directory, container: Container
) -> None:
    await gql(SEARCH, {"input": EXAMPLE})
    assert container.search_log is not None
    async with container.session_factory() as session:
        assert (await session.exec(select(SearchLog))).all() == []
    await container.search_log.flush()
    async with container.session_factory() as session:
        rows = (await session.exec(select(SearchLog))).all()
    assert [(r.need_codes, r.postal_code, r.result_count) for r in rows] == [
        (["childcare", "transportation"], "94601", 4)
    ]
