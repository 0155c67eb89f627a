"""The Starlette application: builds the container in its lifespan and mounts every interface."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute

from hub.container import Container, build_container
from hub.core.broker import configure_broker, is_in_process
from hub.core.settings import Settings
from hub.web.body_limit import BodyLimitMiddleware
from hub.web.client_link import client_link_routes
from hub.web.console import ConsoleSite
from hub.web.hsds import hsds_mount
from hub.web.observability import HttpMetrics, ObservabilityMiddleware
from hub.web.ops import ops_routes
from hub.web.reports import report_routes
from hub.web.security_headers import SecurityHeadersMiddleware
from referrals.notifications.engine import NotificationEngine, start_in_app
from schema.view import graphql_app
from search.reindex import fill_if_empty

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    container: Container | None = None,
    notifications: bool | None = None,
    fill_search_index: bool | None = None,
) -> Starlette:
    """Assemble the hub's ASGI app from settings (or a prepared container, in tests)."""
    settings = settings or (container.settings if container else Settings())
    owned = container is None
    the_container = container or build_container(settings)
    if owned:
        settings = the_container.settings  # with the resolved secret key

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.container = the_container
        # Notifications start with a served app, and in tests only when asked for.
        notifier: NotificationEngine | None = None
        if owned if notifications is None else notifications:
            notifier = _start_notifications(the_container)
        # In the background: the app serves (and indexes new changes) while the rebuild runs.
        filling = (
            asyncio.create_task(_fill_search_index(the_container))
            if (owned if fill_search_index is None else fill_search_index)
            else None
        )
        try:
            yield
        finally:
            if filling is not None and not filling.done():
                filling.cancel()
                with suppress(asyncio.CancelledError):
                    await filling
            if notifier is not None:
                await asyncio.to_thread(notifier.stop)
            if owned:
                await the_container.close()

    gql = graphql_app(the_container)
    routes: list[BaseRoute] = [
        # Route + WebSocketRoute, not Mount: Mount redirects to /graphql/ and drops WebSockets.
        Route("/graphql", gql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", gql),
    ]
    metrics = HttpMetrics()
    routes.extend(ops_routes(metrics))
    routes.extend(client_link_routes(the_container))
    routes.extend(report_routes(the_container))
    routes.append(hsds_mount(settings.hsds_cors_origins))  # HSDS 3.0 facade
    console = ConsoleSite(the_container)
    routes.extend(console.routes())  # /, /login, the console's pages, /static
    middleware = [
        Middleware(ObservabilityMiddleware, metrics=metrics),
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            BodyLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            upload_bytes=settings.max_upload_bytes,
            upload_prefixes=settings.upload_path_prefixes,
        ),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: console.not_found},
    )
    app.state.container = the_container
    return app


async def _fill_search_index(container: Container) -> None:
    """Rebuild the search index at startup if it is empty but the directory is not."""
    if container.search_backend is None:
        return
    try:
        await fill_if_empty(
            session_factory=container.session_factory, backend=container.search_backend
        )
    except Exception:
        # Searches keep working on what the index holds; `hub reindex` can still fill it.
        log.exception("could not rebuild the empty search index at startup")


def _start_notifications(container: Container) -> NotificationEngine:
    """Enqueue committed referral events; with no broker URL, also run the workers here."""
    settings = container.settings
    broker = configure_broker(settings.broker_url, namespace=settings.broker_namespace)
    return start_in_app(
        settings=settings,
        publisher=container.publisher,
        clock=container.clock,
        broadcaster=container.broadcaster,
        broker=broker,
        in_process=is_in_process(broker),
    )
