"""Fixtures of the search tests: the East Bay directory and every backend, built from it."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.core.clock import FixedClock
from hub.core.db import SessionFactory
from hub.identity.principal import ANONYMOUS
from providers.geocoding.adapter import OfflineGeocoder
from search.backend import SearchBackend
from search.document import ServiceDocument
from search.documents import iter_documents
from search.embedded import EmbeddedBackend
from search.embedded.columns import RESET
from search.models import SearchPage, SearchRequest
from search.query import SearchQuery
from search.service import search_services
from tests.search.directory import Directory, build_directory

ES_ENV = "HUB_TEST_ELASTICSEARCH_URL"
# A Monday afternoon in Oakland.
MONDAY_2PM_LA = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


@pytest.fixture
async def directory(session_factory: SessionFactory) -> Directory:
    """The East Bay directory, committed."""
    async with session_factory() as session:
        return await build_directory(session)


async def in_batches(
    docs: Sequence[ServiceDocument], size: int
) -> AsyncIterator[list[ServiceDocument]]:
    """The documents as a rebuild reads them, `size` at a time."""
    for start in range(0, len(docs), size):
        yield list(docs[start : start + size])


async def make_backend(kind: str, tmp_path: Path) -> SearchBackend:
    """A fresh, empty backend of a kind."""
    if kind == "embedded":
        return EmbeddedBackend(tmp_path / "search.sqlite3")
    url = os.environ.get(ES_ENV, "").strip()
    if not url:
        pytest.skip(f"{ES_ENV} is not set")
    from search.es.backend import ElasticsearchBackend

    return ElasticsearchBackend.from_url(url, f"hub-test-{uuid.uuid4().hex[:8]}", refresh=True)


@pytest.fixture(params=["embedded", "elasticsearch"])
async def backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    session_factory: SessionFactory,
    directory: Directory,
) -> AsyncIterator[SearchBackend]:
    """Each backend, rebuilt from the directory."""
    made = await make_backend(request.param, tmp_path)
    async with session_factory() as session:
        await made.rebuild(iter_documents(session, batch_size=4))
    yield made
    await made.close()


class Searcher:
    """Calls the search domain function the way the API does, with a fixed clock."""

    def __init__(self, backend: SearchBackend, session_factory: SessionFactory) -> None:
        self.backend = backend
        self.session_factory = session_factory
        self.clock = FixedClock(MONDAY_2PM_LA)

    async def __call__(self, **kwargs: object) -> tuple[SearchRequest, SearchPage]:
        async with self.session_factory() as session:
            return await search_services(
                session=session,
                backend=self.backend,
                geocoder=OfflineGeocoder(),
                clock=self.clock,
                actor=ANONYMOUS,
                query=SearchQuery(**kwargs),  # type: ignore[arg-type]
            )


@pytest.fixture
def search(backend: SearchBackend, session_factory: SessionFactory) -> Searcher:
    """Search the backend under test."""
    return Searcher(backend, session_factory)


def index_tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row the index stores (bodies parsed: a rebuild writes them without spaces), and
    the names of its indexes."""
    connection = sqlite3.connect(path)
    try:
        queries = {
            "doc": "SELECT * FROM doc ORDER BY rowid",
            "doc_fts": "SELECT rowid, * FROM doc_fts ORDER BY rowid",
            "doc_geo": "SELECT * FROM doc_geo ORDER BY id",
            "doc_need": "SELECT * FROM doc_need ORDER BY code, doc",
            "doc_language": "SELECT * FROM doc_language ORDER BY code, doc",
            "doc_area": "SELECT * FROM doc_area ORDER BY key, doc",
            "doc_open": 'SELECT * FROM doc_open ORDER BY doc, start, "end"',
            "org": "SELECT * FROM org ORDER BY no",
            "term": "SELECT * FROM term ORDER BY no",
            # Less the marker a rebuild leaves (every chunk rewritten).
            "col": f"SELECT name, chunk, data FROM col WHERE name != '{RESET}' ORDER BY 1, 2",
            "indexes": "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
        }
        found = {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
        found["doc_body"] = [
            (rowid, json.loads(body))
            for rowid, body in connection.execute("SELECT rowid, body FROM doc_body ORDER BY 1")
        ]
        return found
    finally:
        connection.close()
