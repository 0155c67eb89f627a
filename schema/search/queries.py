"""The `searchServices` query: anyone may search."""

from __future__ import annotations

import strawberry

from hub.core.errors import ValidationFailed
from schema.context import Info
from schema.errors import ValidationFailedError, to_error
from schema.search.inputs import SearchServicesInput, SearchSort
from schema.search.types import SearchServicesResult, search_connection
from search.query import SearchQuery
from search.service import search_services


def _query(
    data: SearchServicesInput, sort: SearchSort, first: int, after: str | None
) -> SearchQuery:
    return SearchQuery(
        text=data.text or "",
        needs=tuple(data.needs or ()),
        near=data.near.to_domain() if data.near is not None else None,
        radius_km=data.radius_km,
        languages=tuple(data.languages or ()),
        free=data.free,
        max_cost=data.max_cost,
        open_now=data.open_now,
        open_evenings=data.open_evenings,
        age=data.age,
        delivery_modes=tuple(m.value for m in data.delivery_modes or ()),
        accepting_referrals=data.accepting_referrals,
        capacity=tuple(c.value for c in data.capacity or ()),
        program=data.program_filters.to_domain() if data.program_filters else None,
        sort=sort.to_domain(),
        first=first,
        after=after,
    )


@strawberry.type
class SearchServicesQuery:
    @strawberry.field(
        description="Find services by need and place, with filters, facets and highlights."
    )
    async def search_services(
        self,
        info: Info,
        input: SearchServicesInput,
        sort: SearchSort = SearchSort.RELEVANCE,
        first: int = 20,
        after: str | None = None,
    ) -> SearchServicesResult:
        container = info.context.container
        if container.search_backend is None:
            raise RuntimeError("The container has no search backend.")
        try:
            async with info.context.session() as session:
                _, page = await search_services(
                    session=session,
                    backend=container.search_backend,
                    geocoder=container.geocoder,
                    clock=container.clock,
                    actor=info.context.principal,
                    query=_query(input, sort, first, after),
                    stale_after_days=container.settings.stale_after_days,
                    log_writer=container.search_log,
                )
        except ValidationFailed as exc:
            error = to_error(exc)
            if isinstance(error, ValidationFailedError):
                return error
            raise
        return search_connection(page, had_cursor=after is not None)
