"""Results of `searchServices`: edges with service, location, distance, score and highlights."""

from __future__ import annotations

from typing import Annotated

import strawberry

from providers import batch
from providers import models as m
from schema.context import Info
from schema.directory.location import Location, location
from schema.directory.service import Service, visible_service
from schema.errors import ValidationFailedError
from schema.relay import PageInfo
from search.cursor import encode_cursor
from search.models import Cursor, FacetValue, SearchHit, SearchPage


@strawberry.type(name="SearchHighlight", description="Matched words of a field, in <mark>.")
class Highlight:
    field: str
    fragments: list[str]


@strawberry.type(name="SearchFacetValue", description="How many results have this value.")
class FacetCount:
    value: str
    label: str
    count: int


@strawberry.type(description="Counts over all results (not just this page).")
class SearchFacets:
    needs: list[FacetCount]
    languages: list[FacetCount]
    organizations: list[FacetCount]
    delivery_modes: list[FacetCount]


async def _service(info: Info, service_id: str) -> Service | None:
    row: m.Service | None = await info.context.loaders.get(batch.service_by_id).load(service_id)
    return visible_service(info, row)


@strawberry.type(description="A service at a location (or serving the area) that matched.")
class SearchServiceEdge:
    cursor: str
    distance_km: float | None = strawberry.field(description="Null for area-served services.")
    score: float
    highlights: list[Highlight]
    service_id: strawberry.Private[str]
    location_id: strawberry.Private[str | None]

    @strawberry.field(description="The service (same as `service`).")
    async def node(self, info: Info) -> Service | None:
        return await _service(info, self.service_id)

    @strawberry.field
    async def service(self, info: Info) -> Service | None:
        return await _service(info, self.service_id)

    @strawberry.field(description="Where; null for area-served or virtual services.")
    async def location(self, info: Info) -> Location | None:
        if self.location_id is None:
            return None
        row = await info.context.loaders.get(batch.location_by_id).load(self.location_id)
        return location(row) if row is not None else None


@strawberry.type(description="A page of search results.")
class SearchServiceConnection:
    edges: list[SearchServiceEdge]
    page_info: PageInfo
    total_count: int
    facets: SearchFacets


SearchServicesResult = Annotated[
    SearchServiceConnection | ValidationFailedError, strawberry.union("SearchServicesResult")
]


def _counts(values: tuple[FacetValue, ...] | None) -> list[FacetCount]:
    return [FacetCount(value=v.value, label=v.label, count=v.count) for v in values or ()]


def _edge(hit: SearchHit) -> SearchServiceEdge:
    return SearchServiceEdge(
        cursor=encode_cursor(Cursor(hit.sort_value, hit.document_id)),
        distance_km=round(hit.distance_km, 3) if hit.distance_km is not None else None,
        score=hit.score,
        highlights=[Highlight(field=h.field, fragments=list(h.fragments)) for h in hit.highlights],
        service_id=hit.service_id,
        location_id=hit.location_id,
    )


def search_connection(page: SearchPage, *, had_cursor: bool) -> SearchServiceConnection:
    """Convert a domain page."""
    edges = [_edge(hit) for hit in page.hits]
    return SearchServiceConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.next_cursor is not None,
            has_previous_page=had_cursor,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
        facets=SearchFacets(
            needs=_counts(page.facets.get("needs")),
            languages=_counts(page.facets.get("languages")),
            organizations=_counts(page.facets.get("organizations")),
            delivery_modes=_counts(page.facets.get("delivery_modes")),
        ),
    )
