"""Fixtures of the facade tests: the real app over the demo directory, driven over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.app import create_app
from hub.container import Container, build_container
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, run_demo


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[Container]:
    """A container over the demo directory (needs taxonomy and directory steps)."""
    container = build_container(settings)
    await run_demo(container, steps=[s for s in DEMO_STEPS if s.key in ("needs", "directory")])
    yield container
    await container.close()


@pytest.fixture
async def hsds(demo: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the whole app (facade under /hsds)."""
    transport = httpx.ASGITransport(app=create_app(container=demo))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test/hsds") as http:
        yield http
