"""The real ElasticsearchBackend, through the official client over HTTP, against the stand-in.

Elasticsearch cannot run here (see tests/search/es_standin.py); these tests check what the
backend sends (index, mapping, NDJSON bulk bodies, alias swaps, compiled search bodies) and how
it reads Elasticsearch's answers, on the wire format both sides document.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hub.container import build_container
from hub.core.db import SessionFactory, transaction
from hub.core.settings import Settings
from hub.identity.principal import SYSTEM
from providers import organizations, services
from search.cursor import decode_cursor, encode_cursor
from search.document import ServiceDocument
from search.documents import iter_documents
from search.es.backend import ElasticsearchBackend
from search.es.compiler import compile_search
from search.es.documents import to_source
from search.es.mapping import MAPPINGS, SETTINGS
from search.geo import ellipsoid_km
from search.models import (
    Cursor,
    FacetValue,
    GeoPoint,
    Highlight,
    PlaceContext,
    SearchRequest,
    SortOrder,
)
from tests.search.directory import Directory
from tests.search.es_builders import LA, NY, as_json, doc, located_and_area_served, pairs, stream
from tests.search.es_standin import ElasticsearchStandIn, elasticsearch_standin

ALIAS = "hub-test"
OAKLAND = GeoPoint(37.7806, -122.2166)
MONDAY_2PM_LA = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[ElasticsearchStandIn]:
    """A fresh Elasticsearch 9 stand-in on loopback."""
    with elasticsearch_standin() as running:
        yield running


@pytest.fixture
async def backend(standin: ElasticsearchStandIn) -> AsyncIterator[ElasticsearchBackend]:
    """The backend as `from_url` builds it (httpx node, retries), writes refreshed at once."""
    made = ElasticsearchBackend.from_url(standin.url, ALIAS, refresh=True)
    yield made
    await made.close()


async def test_rebuild_fills_a_mapped_index_then_swaps_the_alias(
    standin: ElasticsearchStandIn,
    backend: ElasticsearchBackend,
    session_factory: SessionFactory,
    directory: Directory,
) -> None:
    async with session_factory() as session:
        expected = [d async for batch in iter_documents(session, batch_size=4) for d in batch]
        total = await backend.rebuild(iter_documents(session, batch_size=4))
    assert total == len(expected) > 8

    (create,) = standin.calls("create_index")
    first = create.path.lstrip("/")
    assert first.startswith(f"{ALIAS}-")
    # Our explicit mapping and analysis, and no alias until the index is complete.
    assert create.body == {"settings": as_json(SETTINGS), "mappings": as_json(MAPPINGS)}
    bulks = standin.calls("bulk")
    assert [b.path for b in bulks] == [f"/{first}/_bulk"] * len(bulks)
    assert all(len(pairs(b)) <= 4 for b in bulks)
    sent = {a["index"]["_id"]: (a["index"], s) for b in bulks for a, s in pairs(b)}
    assert sent.keys() == {d.id for d in expected}
    for d in expected:
        action, source = sent[d.id]
        assert action == {"_id": d.id, "version": d.version, "version_type": "external_gte"}
        assert source == as_json(to_source(d))
    # Every real document fits the strict mapping: the stand-in refuses any that does not.
    assert standin.indices[first].live.keys() == sent.keys()
    ending = standin.endpoints()[-3:]
    assert ending == ["refresh", "get_alias", "update_aliases"]
    assert standin.calls("refresh")[0].path == f"/{first}/_refresh"
    assert standin.calls("update_aliases")[0].body == {
        "actions": [{"add": {"index": first, "alias": ALIAS}}]
    }
    assert standin.alias_indices(ALIAS) == {first}
    assert await backend.count() == total

    async with session_factory() as session:
        assert await backend.rebuild(iter_documents(session, batch_size=50)) == total
    second = standin.calls("create_index")[1].path.lstrip("/")
    assert second != first
    # One request removes the old index from the alias and adds the new one: atomic.
    assert standin.calls("update_aliases")[1].body == {
        "actions": [
            {"remove": {"index": first, "alias": ALIAS}},
            {"add": {"index": second, "alias": ALIAS}},
        ]
    }
    assert standin.calls("delete_index")[-1].path == f"/{first}"
    assert set(standin.indices) == {second}
    assert standin.alias_indices(ALIAS) == {second}


async def test_readers_see_the_old_index_until_the_swap(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.rebuild(stream([doc("a"), doc("b")]))
    counts: list[int] = []

    async def batches() -> AsyncIterator[Sequence[ServiceDocument]]:
        yield [doc("c")]
        counts.append(await backend.count())
        yield [doc("d"), doc("e")]
        counts.append(await backend.count())

    assert await backend.rebuild(batches()) == 3
    assert counts == [2, 2]
    assert await backend.count() == 3
    assert await backend.document_ids(service_ids=["service-a", "service-c"]) == {"sal:c"}


async def test_a_failed_rebuild_drops_its_index_and_keeps_the_alias(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.rebuild(stream([doc("a")]))
    (kept,) = standin.alias_indices(ALIAS)

    async def broken() -> AsyncIterator[Sequence[ServiceDocument]]:
        yield [doc("b")]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        await backend.rebuild(broken())
    standin.fail_item("sal:c", 400, "document_parsing_exception")
    with pytest.raises(RuntimeError, match="1 documents could not be indexed"):
        await backend.rebuild(stream([doc("c"), doc("d")]))
    assert set(standin.indices) == {kept}
    assert standin.alias_indices(ALIAS) == {kept}
    assert await backend.count() == 1


async def test_first_write_creates_the_aliased_index_and_bulk_indexes_with_versions(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index([doc("a"), doc("b", version=7)])
    assert standin.endpoints() == ["exists_alias", "create_index", "bulk"]
    (create,) = standin.calls("create_index")
    assert create.body["aliases"] == {ALIAS: {}}
    assert create.body["mappings"] == as_json(MAPPINGS)
    (bulk,) = standin.calls("bulk")
    # Written through the alias, searchable before the call returns (refresh=True).
    assert bulk.path == f"/{ALIAS}/_bulk"
    assert bulk.params["refresh"] == "wait_for"
    assert bulk.headers["content-type"].startswith("application/vnd.elasticsearch+x-ndjson")
    assert [a for a, _ in pairs(bulk)] == [
        {"index": {"_id": "sal:a", "version": 1, "version_type": "external_gte"}},
        {"index": {"_id": "sal:b", "version": 7, "version_type": "external_gte"}},
    ]
    assert [s for _, s in pairs(bulk)] == [
        as_json(to_source(doc("a"))),
        as_json(to_source(doc("b", version=7))),
    ]
    assert await backend.count() == 2
    assert not any(i.auto_created for i in standin.indices.values())


async def test_delete_sends_delete_actions_and_ignores_missing_documents(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index([doc("a"), doc("b")])
    await backend.delete(["sal:a", "sal:gone"])
    bulk = standin.calls("bulk")[-1]
    assert pairs(bulk) == [
        ({"delete": {"_id": "sal:a"}}, None),
        ({"delete": {"_id": "sal:gone"}}, None),
    ]
    assert await backend.count() == 1
    await backend.delete([])
    assert standin.endpoints()[-1] == "count"


async def test_an_older_version_never_overwrites_a_newer_one(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index([doc("a", version=5, service_name="Newer")])
    # A late event replays version 3: ES answers 409 for it, which is success for us.
    await backend.index([doc("a", version=3, service_name="Older")])
    await backend.index([doc("a", version=5, service_name="Newer")])
    (index,) = standin.indices.values()
    stored = index.live["sal:a"]
    assert (stored.version, stored.source["service_name"]) == (5, "Newer")


async def test_rejected_items_are_retried_with_backoff(
    standin: ElasticsearchStandIn,
    backend: ElasticsearchBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr("elasticsearch._async.helpers._sleep", no_wait)
    standin.fail_item("sal:b", 429, "es_rejected_execution_exception", times=2)
    await backend.index([doc("a"), doc("b")])
    bulks = standin.calls("bulk")
    # Only the rejected document is sent again, after 2 s then 4 s.
    assert [[a["index"]["_id"] for a, _ in pairs(b)] for b in bulks] == [
        ["sal:a", "sal:b"],
        ["sal:b"],
        ["sal:b"],
    ]
    assert sleeps == [2, 4]
    assert await backend.count() == 2


async def test_items_that_keep_failing_are_logged_and_raised(
    standin: ElasticsearchStandIn,
    backend: ElasticsearchBackend,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    monkeypatch.setattr("elasticsearch._async.helpers._sleep", no_wait)
    standin.fail_item("sal:a", 429, "es_rejected_execution_exception", times=4)
    standin.fail_item("sal:b", 400, "document_parsing_exception")
    # A 404 on an *index* action is a missing index, not a missing document: not harmless.
    standin.fail_item("sal:c", 404, "index_not_found_exception")
    with caplog.at_level(logging.ERROR, "search.es.backend"), pytest.raises(RuntimeError) as raised:
        await backend.index([doc("a"), doc("b"), doc("c"), doc("d")])
    assert str(raised.value) == "3 documents could not be indexed"
    assert len(standin.calls("bulk")) == 4  # the first try and three retries of sal:a
    (record,) = [r for r in caplog.records if r.name == "search.es.backend"]
    assert f"bulk indexing into {ALIAS} failed for 3 documents" in record.getMessage()
    assert "document_parsing_exception" in record.getMessage()
    assert await backend.document_ids(service_ids=["service-a", "service-d"]) == {"sal:d"}


async def test_the_transport_retries_an_unavailable_cluster(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index([doc("a")])
    standin.fail_request("bulk", 503, "unavailable_shards_exception", times=2)
    await backend.index([doc("b")])
    assert len(standin.calls("bulk")) == 4
    assert await backend.count() == 2


async def test_search_sends_the_compiled_body_and_reads_hits_facets_and_cursor(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index(located_and_area_served())
    request = SearchRequest(
        text="child care",
        needs=("childcare",),
        point=OAKLAND,
        place=PlaceContext("94601", "Alameda County", "CA"),
        radius_km=10.0,
        first=2,
    )
    source = compile_search(request)["_source"]
    aggregations = {
        "needs": {"buckets": [{"key": "childcare", "doc_count": 9}]},
        "languages": {"buckets": [{"key": "es", "doc_count": 9}, {"key": "en", "doc_count": 2}]},
        "organizations": {
            "buckets": [
                {
                    "key": "org-unity",
                    "doc_count": 8,
                    "label": {"buckets": [{"key": "Unity Council", "doc_count": 8}]},
                },
                {"key": "org-rides", "doc_count": 1, "label": {"buckets": []}},
            ]
        },
        "delivery_modes": {"buckets": [{"key": "in_person", "doc_count": 9}]},
    }
    marked = {
        "service_name": ["Evening <mark>Childcare</mark> Center"],
        "description": ["nothing marked in this fragment"],
    }
    standin.queue_search(
        standin.search_response(
            [
                standin.hit(
                    "sal:a", sort=[2.25, "sal:a"], score=2.25, source=source, highlight=marked
                ),
                standin.hit("sal:c", sort=[1.5, "sal:c"], score=1.5, source=source),
                standin.hit("sal:b", sort=[1.25, "sal:b"], score=1.25, source=source),
            ],
            total=9,
            aggregations=aggregations,
            max_score=None,
        )
    )
    page = await backend.search(request)
    (call,) = standin.calls("search")
    assert call.path == f"/{ALIAS}/_search"
    assert call.body == as_json(compile_search(request))
    assert [h.document_id for h in page.hits] == ["sal:a", "sal:c"]
    first, area_served = page.hits
    assert first.distance_km == pytest.approx(
        ellipsoid_km(OAKLAND.latitude, OAKLAND.longitude, 37.7760, -122.2250)
    )
    assert first.distance_km is not None
    assert 0.5 < first.distance_km < 1.5
    assert area_served.distance_km is None
    assert (first.score, first.sort_value, first.service_id) == (2.25, 2.25, "service-a")
    assert first.highlights == (
        Highlight("service_name", ("Evening <mark>Childcare</mark> Center",)),
        Highlight("needs", ("<mark>Child care centers</mark>",)),
    )
    assert page.total == 9
    assert page.facets["languages"] == (FacetValue("es", "es", 9), FacetValue("en", "en", 2))
    assert page.facets["organizations"] == (
        FacetValue("org-unity", "Unity Council", 8),
        FacetValue("org-rides", "org-rides", 1),
    )
    assert page.next_cursor == Cursor(1.5, "sal:c")

    standin.queue_search(standin.search_response([], total=9, aggregations=aggregations))
    after = replace(request, after=page.next_cursor)
    last = await backend.search(after)
    body = standin.calls("search")[-1].body
    assert body["search_after"] == [1.5, "sal:c"]
    assert body == as_json(compile_search(after))
    assert (last.hits, last.next_cursor) == ((), None)


async def test_distance_paging_continues_past_documents_without_a_point(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    nowhere = {"location_id": None, "service_at_location_id": None, "latitude": None}
    await backend.index([*located_and_area_served(), doc("e", **nowhere, longitude=None)])
    request = SearchRequest(point=OAKLAND, radius_km=10.0, sort=SortOrder.DISTANCE, first=2)
    source = compile_search(request)["_source"]
    # Elasticsearch sorts a document without a point at distance Infinity, sent as a string.
    standin.queue_search(
        standin.search_response(
            [
                standin.hit("sal:a", sort=[0.98, "sal:a"], source=source),
                standin.hit("sal:c", sort=["Infinity", "sal:c"], source=source),
                standin.hit("sal:e", sort=["Infinity", "sal:e"], source=source),
            ],
            total=4,
        )
    )
    page = await backend.search(request)
    assert [h.score for h in page.hits] == [0.0, 0.0]  # `_score` is null when sorting by distance
    assert page.next_cursor == Cursor(float("inf"), "sal:c")
    # The cursor goes to the client and comes back ...
    cursor = decode_cursor(encode_cursor(page.next_cursor))
    standin.queue_search(standin.search_response([], total=4))
    await backend.search(replace(request, after=cursor))
    # ... and is sent as Elasticsearch wrote it: a bare Infinity is not JSON it would parse.
    assert standin.calls("search")[-1].body["search_after"] == ["Infinity", "sal:c"]


async def test_open_now_reads_the_indexed_time_zones_once_per_write(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    await backend.index([doc("a"), doc("b"), doc("c", timezone_name=NY)])
    request = SearchRequest(needs=("childcare",), open_now=True, now=MONDAY_2PM_LA)
    for _ in range(2):
        standin.queue_search(standin.search_response([]))
        await backend.search(request)
    zones, main, again = standin.calls("search")
    assert zones.body == {
        "aggs": {"zones": {"terms": {"field": "timezone_name", "size": 200}}},
        "size": 0,
    }
    # Zones in bucket order (most documents first): 14:00 in Los Angeles, 17:00 in New York.
    assert main.body == as_json(compile_search(request, timezones=(LA, NY)))
    assert again.body == main.body
    await backend.index([doc("d", timezone_name="America/Chicago")])
    standin.queue_search(standin.search_response([]))
    await backend.search(request)
    assert standin.calls("search")[-2].body == zones.body
    latest = standin.calls("search")[-1].body
    assert latest == as_json(compile_search(request, timezones=(LA, "America/Chicago", NY)))


async def test_count_and_document_ids(
    standin: ElasticsearchStandIn, backend: ElasticsearchBackend
) -> None:
    assert await backend.document_ids() == set()
    assert standin.requests == []
    assert await backend.count() == 0
    await backend.index(located_and_area_served())
    found = await backend.document_ids(location_ids=["loc-a"], organization_ids=["org-rides"])
    assert found == {"sal:a", "sal:b"}
    body = standin.calls("search")[-1].body
    assert body == {
        "query": {
            "bool": {
                "should": [
                    {"terms": {"location_id": ["loc-a"]}},
                    {"terms": {"organization_id": ["org-rides"]}},
                ],
                "minimum_should_match": 1,
            }
        },
        "size": 10_000,
        "_source": False,
    }
    assert await backend.count() == 3
    await backend.replace_services(["service-a", "service-b"], [doc("a", version=2)])
    assert await backend.document_ids(service_ids=["service-a", "service-b"]) == {"sal:a"}


async def test_a_save_never_fails_when_the_cluster_rejects_its_documents(
    standin: ElasticsearchStandIn, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    configured = settings.model_copy(
        update={
            "search_backend": "elasticsearch",
            "elasticsearch_url": standin.url,
            "elasticsearch_index": ALIAS,
        }
    )
    container = build_container(configured)
    try:
        assert container.index_sync is not None
        assert container.search_backend is not None
        container.index_sync.retry_delay = 0.0
        standin.fail_item("*", 400, "document_parsing_exception")
        async with transaction(container.session_factory) as session:
            org = await organizations.create_organization(
                session=session, actor=SYSTEM, clock=container.clock, data={"name": "Unity"}
            )
            service = await services.create_service(
                session=session,
                actor=SYSTEM,
                clock=container.clock,
                data={"organization_id": org.id, "name": "Phone Line", "needs": ["childcare"]},
            )
        await container.index_sync.drain()
        assert "search index sync failed (attempt 1 of 3)" in caplog.text
        assert "document_parsing_exception" in caplog.text
        assert "attempt 2 of 3" not in caplog.text
        # Production writes are not refreshed: they show once the cluster's refresh runs.
        standin.refresh_all()
        found = await container.search_backend.document_ids(service_ids=[service.id])
        assert found == {f"svc:{service.id}"}
        assert standin.calls("bulk")[-1].params["refresh"] == "false"
    finally:
        await container.close()
