"""Responses of the facade: compact HSDS JSON, ndjson streams, typed errors, CORS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response, StreamingResponse

from hub.core.errors import DomainError, NotFound, ValidationFailed

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
PAGE_CONTENTS = "contents"


def compact(value: Any) -> Any:
    """Drop empty optional values (null, [], {}) at every depth, as the UK API rules ask."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            shown = compact(item)
            if shown is not None and shown != [] and shown != {}:
                out[key] = shown
        return out
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value


def page_response(page: dict[str, Any]) -> JSONResponse:
    """An HSDS Page; its `contents` stays even when empty (the Page shape requires it)."""
    return JSONResponse({**compact(page), PAGE_CONTENTS: compact(page[PAGE_CONTENTS])})


def item_response(item: dict[str, Any]) -> JSONResponse:
    """One HSDS object."""
    return JSONResponse(compact(item))


def ndjson(items: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    """Every record, one compact JSON object per line."""

    async def lines() -> AsyncIterator[bytes]:
        async for item in items:
            yield (json.dumps(compact(item), ensure_ascii=False) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def error_response(exc: DomainError) -> JSONResponse:
    """404 for a missing record, 400 with field errors for a bad request."""
    if isinstance(exc, NotFound):
        return JSONResponse({"errors": [{"code": exc.code, "message": exc.message}]}, 404)
    fields = exc.errors if isinstance(exc, ValidationFailed) else []
    body = [{"field": e.field, "code": e.code, "message": e.message} for e in fields]
    return JSONResponse({"errors": body or [{"code": exc.code, "message": exc.message}]}, 400)


def options_response() -> Response:
    """A plain OPTIONS (no CORS preflight): which methods the resource answers."""
    return Response(status_code=204, headers={"Allow": ALLOWED_METHODS})


def parse_origins(setting: str) -> list[str]:
    """HUB_HSDS_CORS_ORIGINS: `*`, a comma-separated list of origins, or empty for none."""
    return [origin.strip() for origin in setting.split(",") if origin.strip()]


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """Starlette's CORS middleware for the facade: read-only methods, any request header."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["*"],
            max_age=86400,
        )
    ]
