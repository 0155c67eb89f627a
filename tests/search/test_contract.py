"""The contract every search backend keeps, run against each of them on the same directory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from geopy.distance import geodesic
from sqlmodel import select

from hub.core.db import SessionFactory
from hub.core.errors import ErrorCode, ValidationFailed
from search.log import SearchLog
from search.models import SortOrder
from search.query import Near
from tests.search.conftest import Searcher
from tests.search.directory import ZIP_94601, Directory

EXAMPLE = {
    "needs": ("childcare", "transportation"),
    "near": Near(postal_code="94601"),
    "radius_km": 10.0,
    "languages": ("Spanish",),
    "open_evenings": True,
    "free": True,
}


async def test_example_query_returns_only_matching_services_within_radius(
    search: Searcher, directory: Directory
) -> None:
    _, page = await search(**EXAMPLE, sort=SortOrder.DISTANCE)
    found = {h.service_id for h in page.hits}
    wanted = {"evening_childcare", "bus_pass", "county_vouchers", "online_subsidy"}
    assert found == {directory.services[k] for k in wanted}
    assert page.total == 4
    placed = [h for h in page.hits if h.distance_km is not None]
    assert [h.service_id for h in placed] == [
        directory.services["evening_childcare"],
        directory.services["bus_pass"],
    ]
    # Area-served and virtual services come after every located one.
    assert all(h.distance_km is None for h in page.hits[len(placed) :])


async def test_distances_agree_with_geopy_and_respect_the_radius(
    search: Searcher, directory: Directory
) -> None:
    _, page = await search(
        needs=("childcare", "transportation", "food"),
        near=Near(postal_code="94601"),
        radius_km=10.0,
        sort=SortOrder.DISTANCE,
    )
    from tests.search.directory import LISTINGS

    points = {directory.services[item.key]: item.point for item in LISTINGS}
    distances = [h.distance_km for h in page.hits if h.distance_km is not None]
    assert distances == sorted(distances)
    assert len(distances) >= 5
    for hit in page.hits:
        if hit.distance_km is None:
            continue
        point = points[hit.service_id]
        assert point is not None
        expected = geodesic(ZIP_94601, point).km
        assert hit.distance_km == pytest.approx(expected, abs=0.005)
        assert hit.distance_km <= 10.0
    assert directory.services["berkeley_rides"] not in {h.service_id for h in page.hits}


async def test_relevance_sort_ranks_near_fresh_open_services_first(search: Searcher) -> None:
    _, page = await search(**EXAMPLE)
    scores = [h.score for h in page.hits]
    assert scores == sorted(scores, reverse=True)
    assert page.hits[0].service_name == "Evening Childcare Center"
    # The stale, virtual listing ranks last.
    assert page.hits[-1].service_name == "Online Childcare Subsidy Application"


async def test_facets_add_up(search: Searcher) -> None:
    _, page = await search(
        needs=("childcare", "transportation"), near=Near(postal_code="94601"), radius_km=15.0
    )
    assert page.total > 4
    for name in ("delivery_modes", "organizations"):
        assert sum(v.count for v in page.facets[name]) == page.total
    needs = {v.value: v for v in page.facets["needs"]}
    assert needs["childcare"].count + needs["transportation"].count == page.total
    assert needs["childcare"].label == "Childcare"
    assert needs["childcare"].count >= needs["childcare.center"].count
    languages = {v.value: v.count for v in page.facets["languages"]}
    assert languages["es"] <= page.total
    assert languages["en"] >= 1


async def test_highlights_mark_matched_words_and_needs(search: Searcher) -> None:
    _, page = await search(text="childcare", near=Near(postal_code="94601"), radius_km=10.0)
    assert page.hits
    for hit in page.hits:
        marked = [f for h in hit.highlights for f in h.fragments]
        assert any("<mark>" in f.lower() and "childcare" in f.lower() for f in marked), hit
    _, by_need = await search(**EXAMPLE)
    for hit in by_need.hits:
        needs = [h for h in hit.highlights if h.field == "needs"]
        assert needs
        assert all(f.startswith("<mark>") for f in needs[0].fragments)


async def test_prefix_text_matches(search: Searcher, directory: Directory) -> None:
    _, page = await search(text="pant")
    assert [h.service_id for h in page.hits] == [directory.services["pantry"]]


async def test_parent_need_matches_children(search: Searcher, directory: Directory) -> None:
    _, page = await search(needs=("transportation",))
    keys = {"bus_pass", "berkeley_rides", "gas_help", "county_vouchers"}
    assert {h.service_id for h in page.hits} == {directory.services[k] for k in keys}
    _, child = await search(needs=("transportation.gas",))
    assert [h.service_id for h in child.hits] == [directory.services["gas_help"]]


async def test_open_now_respects_schedules_and_time_zones(
    search: Searcher, directory: Directory
) -> None:
    # 15:00 UTC Monday: 10:00 in New York (open), 07:00 in Oakland (closed).
    search.clock.at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    _, morning = await search(needs=("childcare",), open_now=True)
    assert [h.service_id for h in morning.hits] == [directory.services["nyc_childcare"]]
    # 22:00 UTC Monday: 17:00 in New York (just closed), 14:00 in Oakland (open).
    search.clock.at = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    _, afternoon = await search(needs=("childcare",), open_now=True)
    keys = {"evening_childcare", "sliding_daycare", "day_childcare", "online_subsidy"}
    assert {h.service_id for h in afternoon.hits} == {directory.services[k] for k in keys}
    # 01:30 UTC Tuesday is 17:30 Monday in Oakland: only the evening hours are still open.
    search.clock.at = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    _, evening = await search(needs=("childcare",), open_now=True)
    assert directory.services["day_childcare"] not in {h.service_id for h in evening.hits}
    assert directory.services["evening_childcare"] in {h.service_id for h in evening.hits}
    # Saturday: everything is closed.
    search.clock.at = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
    _, weekend = await search(needs=("childcare",), open_now=True)
    assert weekend.total == 0


async def test_cursor_pages_through_in_order(search: Searcher) -> None:
    for sort in SortOrder:
        _, whole = await search(
            needs=("childcare", "transportation"),
            near=Near(postal_code="94601"),
            radius_km=50.0,
            sort=sort,
            first=50,
        )
        seen: list[str] = []
        after = None
        while True:
            _, page = await search(
                needs=("childcare", "transportation"),
                near=Near(postal_code="94601"),
                radius_km=50.0,
                sort=sort,
                first=2,
                after=after,
            )
            seen += [h.document_id for h in page.hits]
            assert page.total == whole.total
            if page.next_cursor is None:
                break
            from search.cursor import encode_cursor

            after = encode_cursor(page.next_cursor)
        assert seen == [h.document_id for h in whole.hits]


async def test_filters_cost_age_mode_capacity(search: Searcher, directory: Directory) -> None:
    _, cheap = await search(
        needs=("childcare",), max_cost=60.0, near=Near(postal_code="94601"), radius_km=10.0
    )
    assert directory.services["sliding_daycare"] in {h.service_id for h in cheap.hits}
    _, phone = await search(delivery_modes=("phone",))
    assert [h.service_id for h in phone.hits] == [directory.services["county_vouchers"]]
    _, waitlist = await search(capacity=("waitlist",))
    assert [h.service_id for h in waitlist.hits] == [directory.services["bus_pass"]]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"needs": ("childcare", "moon_rides")}, "needs", ErrorCode.UNKNOWN_NEED),
        ({"near": Near(postal_code="00000")}, "near.postalCode", ErrorCode.UNKNOWN_PLACE),
        (
            {"near": Near(postal_code="94601"), "radius_km": -3.0},
            "radiusKm",
            ErrorCode.OUT_OF_RANGE,
        ),
        (
            {"near": Near(postal_code="94601"), "radius_km": 50_000.0},
            "radiusKm",
            ErrorCode.OUT_OF_RANGE,
        ),
        ({"near": Near(address="Nowhere at all")}, "near.address", ErrorCode.UNKNOWN_PLACE),
        ({"sort": SortOrder.DISTANCE}, "near", ErrorCode.REQUIRED),
        ({"after": "not-a-cursor"}, "after", ErrorCode.INVALID),
    ],
)
async def test_bad_input_is_a_typed_error(
    search: Searcher, kwargs: dict[str, object], field: str, code: ErrorCode
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await search(**kwargs)
    assert (caught.value.errors[0].field, caught.value.errors[0].code) == (field, code)


async def test_each_search_is_logged_without_personal_data(
    search: Searcher, session_factory: SessionFactory
) -> None:
    _, page = await search(**{**EXAMPLE, "near": Near(latitude=37.7811, longitude=-122.2170)})
    async with session_factory() as session:
        rows = list((await session.exec(select(SearchLog))).all())
    assert len(rows) == 1
    row = rows[0]
    assert row.need_codes == ["childcare", "transportation"]
    assert row.postal_code == "94601"
    assert row.state == "CA"
    assert (row.radius_km, row.result_count) == (10.0, page.total)
    assert row.filters == ["languages", "free", "open_evenings"]
