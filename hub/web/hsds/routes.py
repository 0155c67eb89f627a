"""Starlette routes of the HSDS facade; thin: parse parameters, call the read functions, reply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC
from typing import Any

from dateutil import parser as date_parser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from hub.container import Container
from hub.core.errors import DomainError, ErrorCode, FieldError, NotFound, ValidationFailed
from hub.web.hsds.profile import openapi_document, profile_document
from importers import hsds_places as places
from importers import hsds_read as read

MAX_PER_PAGE = 100
Handler = Callable[[Request], Awaitable[Response]]


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _base(request: Request) -> str:
    # The mount path (/hsds) is the root_path of requests routed into the facade.
    return str(request.base_url).rstrip("/") + str(request.scope.get("root_path", ""))


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in {"1", "true", "yes"}


def _query(request: Request) -> read.Query:
    params = request.query_params
    errors: list[FieldError] = []

    def number(name: str, kind: type[int] | type[float], low: float, high: float) -> Any:
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = kind(raw)
        except ValueError:
            errors.append(FieldError(name, ErrorCode.INVALID, f"{raw!r} is not a number."))
            return None
        if not low <= value <= high:
            errors.append(FieldError(name, ErrorCode.OUT_OF_RANGE, f"must be {low}..{high}."))
            return None
        return value

    modified_after = None
    if params.get("modified_after"):
        try:
            parsed = date_parser.isoparse(params["modified_after"])
            modified_after = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            errors.append(FieldError("modified_after", ErrorCode.INVALID, "is not ISO 8601."))
    query = read.Query(
        search=params.get("search") or None,
        taxonomy_term_id=params.get("taxonomy_term_id") or None,
        taxonomy_id=params.get("taxonomy_id") or None,
        organization_id=params.get("organization_id") or None,
        modified_after=modified_after,
        parent_id=params.get("parent_id") or None,
        top_only=_flag(request, "top_only"),
        page=number("page", int, 1, 1_000_000) or 1,
        per_page=number("per_page", int, 1, MAX_PER_PAGE) or 50,
        latitude=number("lat", float, -90, 90),
        longitude=number("lng", float, -180, 180),
        radius_km=number("radius_km", float, 0.001, 1000),
        postcode=params.get("postcode") or None,
    )
    if (query.latitude is None) != (query.longitude is None):
        errors.append(FieldError("lat", ErrorCode.REQUIRED, "lat and lng go together."))
    if errors:
        raise ValidationFailed(errors)
    return query


def _errors(exc: DomainError) -> JSONResponse:
    if isinstance(exc, NotFound):
        return JSONResponse({"errors": [{"code": exc.code, "message": exc.message}]}, 404)
    fields = exc.errors if isinstance(exc, ValidationFailed) else []
    body = [{"field": e.field, "code": e.code, "message": e.message} for e in fields]
    return JSONResponse({"errors": body or [{"code": exc.code, "message": exc.message}]}, 400)


def _endpoint(fn: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except DomainError as exc:
            return _errors(exc)

    return wrapped


def _ndjson(items: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    async def lines() -> AsyncIterator[bytes]:
        async for item in items:
            yield (json.dumps(item, ensure_ascii=False) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def _pages(
    request: Request,
    fetch: Callable[[Any, read.Query], Awaitable[dict[str, Any]]],
    query: read.Query,
) -> AsyncIterator[dict[str, Any]]:
    """Every record of a list endpoint, page after page, each page in its own session."""
    page = 1
    while True:
        async with _container(request).session_factory() as session:
            result = await fetch(session, _with_page(query, page))
        for item in result["contents"]:
            yield item
        if result["last_page"] or result["empty"]:
            return
        page += 1


def _with_page(query: read.Query, page: int) -> read.Query:
    return replace(query, page=page, per_page=MAX_PER_PAGE)


def _wants_ndjson(request: Request) -> bool:
    return request.query_params.get("format", "json").lower() == "ndjson"


async def root(request: Request) -> Response:
    """GET / : HSDS version, profile and OpenAPI location."""
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
    query, full = _query(request), _flag(request, "full")
    if _wants_ndjson(request):
        return _ndjson(
            read.stream_services(
                session_factory=_container(request).session_factory, query=query, full=full
            )
        )
    async with _container(request).session_factory() as session:
        page = await read.list_services(
            session=session, query=query, full=full, minimal=_flag(request, "minimal")
        )
    return JSONResponse(page)


async def service(request: Request) -> Response:
    """GET /services/{id}."""
    async with _container(request).session_factory() as session:
        return JSONResponse(
            await read.get_service(session=session, service_id=request.path_params["id"])
        )


def _proximity(request: Request) -> float | None:
    raw = request.query_params.get("proximity")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed.single(
            "proximity", ErrorCode.INVALID, "is not a number of metres."
        ) from None
    if value <= 0:
        raise ValidationFailed.single("proximity", ErrorCode.OUT_OF_RANGE, "must be positive.")
    return value


async def service_at_locations(request: Request) -> Response:
    """GET /service_at_locations (postcode + proximity, or lat/lng/radius_km)."""
    query, full, proximity = _query(request), _flag(request, "full"), _proximity(request)
    geocoder = _container(request).geocoder

    async def fetch(session: Any, q: read.Query) -> dict[str, Any]:
        return await places.list_service_at_locations(
            session=session, query=q, geocoder=geocoder, proximity_m=proximity, full=full
        )

    if _wants_ndjson(request):
        return _ndjson(_pages(request, fetch, query))
    async with _container(request).session_factory() as session:
        return JSONResponse(await fetch(session, query))


async def service_at_location(request: Request) -> Response:
    """GET /service_at_locations/{id}."""
    async with _container(request).session_factory() as session:
        return JSONResponse(
            await places.get_service_at_location(session=session, sal_id=request.path_params["id"])
        )


def _lister(fetch: Callable[..., Awaitable[dict[str, Any]]], **extra: Any) -> Handler:
    async def handler(request: Request) -> Response:
        query = _query(request)
        kwargs = {k: _flag(request, k) for k in extra}

        async def call(session: Any, q: read.Query) -> dict[str, Any]:
            return await fetch(session=session, query=q, **kwargs)

        if _wants_ndjson(request):
            return _ndjson(_pages(request, call, query))
        async with _container(request).session_factory() as session:
            return JSONResponse(await call(session, query))

    return handler


def _getter(fetch: Callable[..., Awaitable[dict[str, Any]]], key: str) -> Handler:
    async def handler(request: Request) -> Response:
        async with _container(request).session_factory() as session:
            return JSONResponse(await fetch(session=session, **{key: request.path_params["id"]}))

    return handler


def hsds_routes() -> list[BaseRoute]:
    """The facade's routes; mount them under /hsds."""
    table: list[tuple[str, Handler]] = [
        ("/", root),
        ("/profile", profile),
        ("/openapi.json", openapi),
        ("/services", services),
        ("/services/{id}", service),
        ("/service_at_locations", service_at_locations),
        ("/service_at_locations/{id}", service_at_location),
        ("/organizations", _lister(places.list_organizations, full=True)),
        ("/organizations/{id}", _getter(places.get_organization, "organization_id")),
        ("/taxonomies", _lister(places.list_taxonomies)),
        ("/taxonomies/{id}", _getter(places.get_taxonomy, "taxonomy_id")),
        ("/taxonomy_terms", _lister(places.list_taxonomy_terms)),
        ("/taxonomy_terms/{id}", _getter(places.get_taxonomy_term, "term_id")),
    ]
    return [Route(path, _endpoint(handler), methods=["GET"]) for path, handler in table]
