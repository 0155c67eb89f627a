"""ElasticsearchBackend: an index behind an alias, bulk writes, rebuild by alias swap."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_bulk

from search.backend import Progress, SearchBackend
from search.document import ServiceDocument
from search.es.compiler import compile_search
from search.es.documents import to_source
from search.es.mapping import MAPPINGS, SETTINGS
from search.geo import ellipsoid_km
from search.highlight import marked, need_highlight
from search.models import Capability, Cursor, FacetValue, SearchHit, SearchPage, SearchRequest

log = logging.getLogger(__name__)


def _harmless(op: str, item: dict[str, Any]) -> bool:
    """A bulk item that failed only because the index already holds what we wanted."""
    if op == "delete":
        # Deleting a missing document answers 404 `not_found` with no error; a 404 *with* an
        # error (index_not_found_exception) is a real failure.
        return item.get("result") == "not_found"
    # External versions: a conflict means a newer version is already there.
    return item.get("status") == 409


class ElasticsearchBackend(SearchBackend):
    """Search on an Elasticsearch cluster; the alias always points at a complete index."""

    name: ClassVar[str] = "elasticsearch"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(self, client: AsyncElasticsearch, alias: str, *, refresh: bool = False) -> None:
        self.client = client
        self.alias = alias
        # Tests ask for writes to be searchable at once; production relies on the refresh interval.
        self.refresh = refresh
        self._timezones: tuple[str, ...] | None = None

    @classmethod
    def from_url(cls, url: str, alias: str, *, refresh: bool = False) -> ElasticsearchBackend:
        """Connect with the official async client over httpx (no aiohttp needed)."""
        client = AsyncElasticsearch(
            url,
            node_class="httpxasync",  # type: ignore[arg-type]
            retry_on_timeout=True,
            max_retries=3,
            request_timeout=10,
        )
        return cls(client, alias, refresh=refresh)

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.close()

    async def _ensure_index(self) -> None:
        if not await self.client.indices.exists_alias(name=self.alias):
            await self._create_index(alias=True)

    async def _create_index(self, *, alias: bool) -> str:
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        aliases: dict[str, Any] | None = {self.alias: {}} if alias else None
        await self.client.indices.create(
            index=name, settings=SETTINGS, mappings=MAPPINGS, aliases=aliases
        )
        return name

    async def _zones(self) -> tuple[str, ...]:
        if self._timezones is None:
            aggs = {"zones": {"terms": {"field": "timezone_name", "size": 200}}}
            result = await self.client.search(index=self.alias, size=0, aggs=aggs)
            self._timezones = tuple(b["key"] for b in result["aggregations"]["zones"]["buckets"])
        return self._timezones

    async def search(self, request: SearchRequest) -> SearchPage:
        """Run one `_search` with hits, facets and highlights."""
        await self._ensure_index()
        body = compile_search(request, timezones=await self._zones() if request.open_now else ())
        result = await self.client.search(index=self.alias, body=body)
        raw_hits = result["hits"]["hits"]
        hits = tuple(self._hit(h, request) for h in raw_hits[: request.first])
        cursor = None
        if len(raw_hits) > request.first and hits:
            last = raw_hits[request.first - 1]
            cursor = Cursor(float(last["sort"][0]), str(last["sort"][1]))
        return SearchPage(
            hits=hits,
            total=int(result["hits"]["total"]["value"]),
            facets=self._facets(result.get("aggregations", {})),
            next_cursor=cursor,
        )

    def _hit(self, raw: dict[str, Any], request: SearchRequest) -> SearchHit:
        source = raw["_source"]
        distance = None
        point = source.get("location")
        if request.point is not None and point:
            distance = ellipsoid_km(
                request.point.latitude, request.point.longitude, point["lat"], point["lon"]
            )
        texts = [
            h for f, v in (raw.get("highlight") or {}).items() if (h := marked(f, v)) is not None
        ]
        needs = need_highlight(source.get("needs", []), request.needs)
        return SearchHit(
            document_id=source["id"],
            service_id=source["service_id"],
            location_id=source.get("location_id"),
            organization_id=source["organization_id"],
            service_name=source["service_name"],
            organization_name=source["organization_name"],
            distance_km=distance,
            score=float(raw.get("_score") or 0.0),
            highlights=tuple(texts) + ((needs,) if needs else ()),
            sort_value=float(raw["sort"][0]),
        )

    @staticmethod
    def _facets(aggregations: dict[str, Any]) -> dict[str, tuple[FacetValue, ...]]:
        facets: dict[str, tuple[FacetValue, ...]] = {}
        for name, agg in aggregations.items():
            values = []
            for bucket in agg["buckets"]:
                labels = bucket.get("label", {}).get("buckets", [])
                label = labels[0]["key"] if labels else bucket["key"]
                values.append(FacetValue(str(bucket["key"]), str(label), int(bucket["doc_count"])))
            facets[name] = tuple(values)
        return facets

    async def count(self) -> int:
        """Documents behind the alias."""
        await self._ensure_index()
        return int((await self.client.count(index=self.alias))["count"])

    async def document_ids(
        self,
        *,
        service_ids: Sequence[str] = (),
        location_ids: Sequence[str] = (),
        organization_ids: Sequence[str] = (),
    ) -> set[str]:
        """Ids of documents of these services, locations or organizations."""
        should = [
            {"terms": {field: list(values)}}
            for field, values in (
                ("service_id", service_ids),
                ("location_id", location_ids),
                ("organization_id", organization_ids),
            )
            if values
        ]
        if not should:
            return set()
        await self._ensure_index()
        query = {"bool": {"should": should, "minimum_should_match": 1}}
        result = await self.client.search(index=self.alias, query=query, size=10_000, source=False)
        return {h["_id"] for h in result["hits"]["hits"]}

    async def _bulk(self, actions: list[dict[str, Any]], index: str) -> int:
        ok, errors = await async_bulk(
            self.client,
            actions,
            index=index,
            refresh="wait_for" if self.refresh else False,
            raise_on_error=False,
            max_retries=3,
        )
        assert isinstance(errors, list)
        real = [item for error in errors for op, item in error.items() if not _harmless(op, item)]
        if real:
            log.error(
                "bulk indexing into %s failed for %d documents: %s", index, len(real), real[:3]
            )
            raise RuntimeError(f"{len(real)} documents could not be indexed")
        self._timezones = None
        return int(ok)

    @staticmethod
    def _index_action(doc: ServiceDocument) -> dict[str, Any]:
        # External versions make replays and late events harmless: older never beats newer.
        return {
            "_op_type": "index",
            "_id": doc.id,
            "_source": to_source(doc),
            "version": doc.version,
            "version_type": "external_gte",
        }

    async def index(self, documents: Sequence[ServiceDocument]) -> None:
        """Bulk-index documents."""
        if documents:
            await self._ensure_index()
            await self._bulk([self._index_action(d) for d in documents], self.alias)

    async def delete(self, document_ids: Sequence[str]) -> None:
        """Bulk-delete documents."""
        if document_ids:
            await self._ensure_index()
            await self._bulk([{"_op_type": "delete", "_id": i} for i in document_ids], self.alias)

    async def rebuild(
        self, batches: AsyncIterable[Sequence[ServiceDocument]], *, progress: Progress | None = None
    ) -> int:
        """Fill a new index, then swap the alias to it in one step and drop the old ones."""
        name = await self._create_index(alias=False)
        total = 0
        try:
            async for batch in batches:
                total += await self._bulk([self._index_action(d) for d in batch], name)
                if progress is not None:
                    progress(len(batch))
            await self.client.indices.refresh(index=name)
        except BaseException:
            await self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        try:
            old = list((await self.client.indices.get_alias(name=self.alias)).keys())
        except NotFoundError:
            old = []
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        await self.client.indices.update_aliases(actions=actions)
        for index in old:
            await self.client.indices.delete(index=index, ignore_unavailable=True)
        return total
