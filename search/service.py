"""The search domain function: validate, resolve the place, query the backend, log anonymously."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.identity.principal import Principal
from providers.geocoding.base import Geocoder
from providers.geocoding.gazetteer import Gazetteer, load_gazetteer
from search.backend import SearchBackend
from search.log import SearchLog, SearchLogWriter
from search.models import FacetValue, SearchPage, SearchRequest
from search.needs import NeedTree, cached_tree
from search.query import SearchQuery
from search.validate import to_request


def _label_needs(page: SearchPage, tree: NeedTree) -> SearchPage:
    needs = page.facets.get("needs")
    if not needs:
        return page
    labelled = tuple(FacetValue(v.value, tree.label(v.value), v.count) for v in needs)
    return replace(page, facets={**page.facets, "needs": labelled})


async def search_services(
    *,
    session: AsyncSession,
    backend: SearchBackend,
    geocoder: Geocoder,
    clock: Clock,
    actor: Principal,
    query: SearchQuery,
    stale_after_days: int = 365,
    gazetteer: Gazetteer | None = None,
    log_writer: SearchLogWriter | None = None,
) -> tuple[SearchRequest, SearchPage]:
    """Search services by need and place (anyone may search); logs need, ZIP and count only."""
    del actor  # anonymous callers may search; kept for the uniform domain signature
    tree = await cached_tree(session)
    request = await to_request(
        query,
        tree=tree,
        geocoder=geocoder,
        gazetteer=gazetteer or load_gazetteer(),
        now=clock.now(),
        stale_after_days=stale_after_days,
    )
    page = _label_needs(await backend.search(request), tree)
    if query.after is None:
        # Only first pages are logged: paging on is the same search, not new demand.
        values: dict[str, Any] = {
            "created_at": clock.now(),
            "need_codes": list(request.needs),
            "postal_code": request.place.postal_code if request.place else None,
            "state": request.place.state if request.place else None,
            "radius_km": request.radius_km,
            "result_count": page.total,
            "has_text": bool(request.text),
            "filters": query.filter_names(),
            "sort": request.sort.value,
        }
        if log_writer is not None:
            log_writer.add(**values)  # written in batches, off the request path
        else:
            session.add(SearchLog(**values))
            await session.commit()
    return request, page
