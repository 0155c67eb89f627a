"""Operations endpoints: liveness (/healthz), readiness (/readyz), Prometheus metrics (/metrics)."""

from __future__ import annotations

import asyncio
import logging
from functools import cache

import sqlalchemy as sa
from alembic.migration import MigrationContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import migrate
from hub.web.observability import HttpMetrics

log = logging.getLogger(__name__)
READINESS_TIMEOUT_SECONDS = 3.0


@cache
def _heads() -> frozenset[str]:
    # Reading the migration scripts takes a while; they never change in a running process.
    return frozenset(migrate.head_revisions())


def _current_revisions(connection: sa.Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def readiness(engine: AsyncEngine) -> tuple[bool, dict[str, object]]:
    """Check the database answers and has every migration applied."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
            current = await connection.run_sync(_current_revisions)
    except Exception as exc:
        # The exception text may carry the database URL; log its kind, not its words.
        log.warning("readiness: database unreachable", extra={"error": type(exc).__name__})
        return False, {"status": "unavailable", "reason": "database unreachable"}
    heads = _heads()
    if current != heads:
        return False, {
            "status": "unavailable",
            "reason": "migrations not current; run `hub migrate`",
            "missing": sorted(heads - current),
        }
    return True, {"status": "ok", "database": "ok", "migrations": "current"}


async def healthz(request: Request) -> Response:
    """The process is up (no dependencies are checked)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to serve: database reachable and migrated; 503 with a reason otherwise."""
    ok, body = await readiness(request.app.state.container.engine)
    return JSONResponse(body, status_code=200 if ok else 503)


def ops_routes(metrics: HttpMetrics) -> list[Route]:
    """The operations routes; `/metrics` exposes this app's registry."""

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
