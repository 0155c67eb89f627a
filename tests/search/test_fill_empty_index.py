"""An empty index beside a directory with services is rebuilt at startup, in the background."""

from __future__ import annotations

import time
from pathlib import Path

from starlette.testclient import TestClient

from hub.app import create_app
from hub.core.db import SessionFactory
from hub.core.settings import Settings
from search.embedded import EmbeddedBackend
from search.reindex import fill_if_empty, reindex
from tests.search.directory import Directory

COUNT = "query { searchServices(input: {}) { ... on SearchServiceConnection { totalCount } } }"


async def test_an_empty_index_is_filled_from_the_directory(
    session_factory: SessionFactory, directory: Directory, tmp_path: Path
) -> None:
    backend = EmbeddedBackend(tmp_path / "fresh.sqlite3")
    reference = EmbeddedBackend(tmp_path / "reference.sqlite3")
    try:
        indexed = await fill_if_empty(session_factory=session_factory, backend=backend)
        expected = await reindex(session_factory=session_factory, backend=reference)
        assert len(directory.services) > 0
        assert indexed == expected > 0
        assert await backend.count() == await reference.count()
        # Filled once: a second start finds documents and leaves the index alone.
        assert await fill_if_empty(session_factory=session_factory, backend=backend) == 0
    finally:
        await backend.close()
        await reference.close()


async def test_an_empty_directory_leaves_the_index_empty(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    backend = EmbeddedBackend(tmp_path / "fresh.sqlite3")
    try:
        assert await fill_if_empty(session_factory=session_factory, backend=backend) == 0
        assert await backend.count() == 0
    finally:
        await backend.close()


def test_the_served_app_fills_its_empty_index_at_startup(
    settings: Settings, directory: Directory
) -> None:
    assert not settings.resolved_search_index_path().exists()
    with TestClient(create_app(settings, notifications=False)) as client:
        total = 0
        deadline = time.monotonic() + 30
        while total == 0 and time.monotonic() < deadline:
            response = client.post("/graphql", json={"query": COUNT})
            total = response.json()["data"]["searchServices"]["totalCount"]
            time.sleep(0.05)
    # Every active listing of the directory (one of them is inactive) is found.
    assert total >= len(directory.services) - 1


def test_an_app_told_not_to_fill_leaves_the_index_empty(
    settings: Settings, directory: Directory
) -> None:
    with TestClient(create_app(settings, notifications=False, fill_search_index=False)) as client:
        time.sleep(0.3)
        response = client.post("/graphql", json={"query": COUNT})
    assert response.json()["data"]["searchServices"]["totalCount"] == 0
