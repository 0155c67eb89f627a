"""The Starlette application: builds the container in its lifespan and mounts every interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from hub.container import Container, build_container
from hub.core.settings import Settings


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> Starlette:
    """Assemble the hub's ASGI app from settings (or a prepared container, in tests)."""
    settings = settings or (container.settings if container else Settings())
    owned = container is None
    the_container = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.container = the_container
        try:
            yield
        finally:
            if owned:
                await the_container.close()

    routes: list[BaseRoute] = []
    app = Starlette(debug=False, routes=routes, lifespan=lifespan)
    app.state.container = the_container
    return app
