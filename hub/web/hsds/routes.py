"""Starlette routes of the HSDS facade; thin: parse parameters, call the read functions, reply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from hub.container import Container
from hub.core.errors import DomainError
from hub.web.hsds.openapi import openapi_document
from hub.web.hsds.params import MAX_PER_PAGE, Params, list_query
from hub.web.hsds.profile import profile_document
from hub.web.hsds.responses import (
    cors_middleware,
    error_response,
    item_response,
    ndjson,
    options_response,
    page_response,
    parse_origins,
)
from importers import hsds_places as places
from importers import hsds_read as read

Handler = Callable[[Request], Awaitable[Response]]
Fetch = Callable[[Any, read.Query], Awaitable[dict[str, Any]]]


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _base(request: Request) -> str:
    # The mount path (/hsds) is the root_path of requests routed into the facade.
    return str(request.base_url).rstrip("/") + str(request.scope.get("root_path", ""))


def _endpoint(fn: Handler, *, allow_all_origins: bool) -> Handler:
    async def wrapped(request: Request) -> Response:
        if request.method == "OPTIONS":
            response = options_response()
        else:
            try:
                response = await fn(request)
            except DomainError as exc:
                response = error_response(exc)
        if allow_all_origins:
            # Sent even without an Origin header: the UK compliance checks look for it.
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


async def _pages(
    request: Request, fetch: Fetch, query: read.Query, first: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """Every record of a list endpoint, page after page, each page in its own session."""
    result, page = first, query.page
    while True:
        for item in result["contents"]:
            yield item
        if result["last_page"] or result["empty"]:
            return
        page += 1
        async with _container(request).session_factory() as session:
            result = await fetch(session, replace(query, page=page))


async def _list(request: Request, params: Params, query: read.Query, fetch: Fetch) -> Response:
    """A Page of results, or every result as ndjson with format=ndjson."""
    params.check()
    streamed = params.text("format") == "ndjson"
    if streamed:
        query = replace(query, page=1, per_page=MAX_PER_PAGE)
    # The first page is read before answering: a query the domain refuses (an unknown
    # postcode) is a 400, not a stream that breaks after its headers were sent.
    async with _container(request).session_factory() as session:
        first = await fetch(session, query)
    return ndjson(_pages(request, fetch, query, first)) if streamed else page_response(first)


async def root(request: Request) -> Response:
    """GET / : HSDS version, profile and OpenAPI location."""
    Params(request.query_params).check()
    base = _base(request)
    return JSONResponse(
        {
            "version": read.HSDS_VERSION,
            "profile": f"{base}/profile",
            "openapi_url": f"{base}/openapi.json",
        }
    )


async def profile(request: Request) -> Response:
    """Our HSDS profile document."""
    return JSONResponse(profile_document(_base(request)))


async def openapi(request: Request) -> Response:
    """HSDS OpenAPI merged with our profile."""
    return JSONResponse(openapi_document(_base(request)))


async def services(request: Request) -> Response:
    """GET /services."""
    params = Params(request.query_params)
    query, full, minimal = list_query(params), params.flag("full"), params.flag("minimal")
    params.check()
    if params.text("format") == "ndjson":
        return ndjson(
            read.stream_services(
                session_factory=_container(request).session_factory, query=query, full=full
            )
        )
    async with _container(request).session_factory() as session:
        page = await read.list_services(session=session, query=query, full=full, minimal=minimal)
    return page_response(page)


async def service_at_locations(request: Request) -> Response:
    """GET /service_at_locations (postcode [+ proximity], or lat/lng/radius_km)."""
    params = Params(request.query_params)
    query, full = list_query(params), params.flag("full")
    proximity = params.number("proximity", float, 1, 1_000_000)
    geocoder = _container(request).geocoder

    async def fetch(session: Any, q: read.Query) -> dict[str, Any]:
        return await places.list_service_at_locations(
            session=session, query=q, geocoder=geocoder, proximity_m=proximity, full=full
        )

    return await _list(request, params, query, fetch)


async def organizations(request: Request) -> Response:
    """GET /organizations (full: nested; full_service: nested with full services)."""
    params = Params(request.query_params)
    query, full, full_service = list_query(params), params.flag("full"), params.flag("full_service")

    async def fetch(session: Any, q: read.Query) -> dict[str, Any]:
        return await places.list_organizations(
            session=session, query=q, full=full or full_service, full_service=full_service
        )

    return await _list(request, params, query, fetch)


def _lister(fetch: Callable[..., Awaitable[dict[str, Any]]]) -> Handler:
    async def handler(request: Request) -> Response:
        params = Params(request.query_params)
        query = list_query(params)

        async def call(session: Any, q: read.Query) -> dict[str, Any]:
            return await fetch(session=session, query=q)

        return await _list(request, params, query, call)

    return handler


def _getter(fetch: Callable[..., Awaitable[dict[str, Any]]], key: str, *flags: str) -> Handler:
    async def handler(request: Request) -> Response:
        params = Params(request.query_params)
        extra = {flag: params.flag(flag) for flag in flags}
        params.check()
        async with _container(request).session_factory() as session:
            item = await fetch(session=session, **{key: request.path_params["id"]}, **extra)
        return item_response(item)

    return handler


def hsds_routes(*, allow_all_origins: bool = True) -> list[BaseRoute]:
    """The facade's routes; mount them under /hsds."""
    table: list[tuple[str, Handler]] = [
        ("/", root),
        ("/profile", profile),
        ("/openapi.json", openapi),
        ("/services", services),
        ("/services/{id}", _getter(read.get_service, "service_id")),
        ("/service_at_locations", service_at_locations),
        ("/service_at_locations/{id}", _getter(places.get_service_at_location, "sal_id")),
        ("/organizations", organizations),
        (
            "/organizations/{id}",
            _getter(places.get_organization, "organization_id", "full_service"),
        ),
        ("/taxonomies", _lister(places.list_taxonomies)),
        ("/taxonomies/{id}", _getter(places.get_taxonomy, "taxonomy_id")),
        ("/taxonomy_terms", _lister(places.list_taxonomy_terms)),
        ("/taxonomy_terms/{id}", _getter(places.get_taxonomy_term, "term_id")),
    ]
    return [
        Route(
            path,
            _endpoint(handler, allow_all_origins=allow_all_origins),
            methods=["GET", "OPTIONS"],
        )
        for path, handler in table
    ]


def hsds_mount(cors_origins: str = "*") -> Mount:
    """The facade mounted at /hsds, behind CORS for the configured origins."""
    origins = parse_origins(cors_origins)
    middleware: list[Middleware] = cors_middleware(origins)
    return Mount(
        "/hsds", routes=hsds_routes(allow_all_origins=origins == ["*"]), middleware=middleware
    )
