"""A rebuild's directory read by a second process: the same documents and the same index as
read in the writing process; a reader that fails or is no longer wanted is stopped, and the
index stays as it was."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from hub.core.db import SessionFactory
from search.document import ServiceDocument
from search.documents import iter_documents
from search.embedded import EmbeddedBackend
from search.models import SearchRequest
from search.reader_process import ReaderFailed, reader_process
from search.reindex import reindex
from tests.search.conftest import index_tables
from tests.search.directory import Directory


async def _read_here(session_factory: SessionFactory) -> list[list[ServiceDocument]]:
    async with session_factory() as session:
        return [batch async for batch in iter_documents(session, batch_size=3)]


async def test_the_reader_process_sends_the_documents_read_here(
    directory: Directory, session_factory: SessionFactory, database_url: str
) -> None:
    here = await _read_here(session_factory)
    async with reader_process(database_url, 3) as batches:
        there = [batch async for batch in batches]
    assert len(here) > 2  # several batches crossed the pipe
    assert there == here
    # Equal field by field, need references and moments included.
    assert any(doc.needs for batch in there for doc in batch)
    assert any(doc.last_verified_at for batch in there for doc in batch)
    assert multiprocessing.active_children() == []


async def test_a_rebuild_read_by_a_second_process_stores_the_same_index(
    directory: Directory, session_factory: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    paths = {"here": tmp_path / "here.sqlite3", "there": tmp_path / "there.sqlite3"}
    seen: list[tuple[int, int]] = []
    for name, path in paths.items():
        backend = EmbeddedBackend(path)
        try:
            indexed = await reindex(
                session_factory=session_factory,
                backend=backend,
                batch_size=3,
                catch_up=False,
                database_url=database_url if name == "there" else None,
                process_min_services=0,
                progress=(lambda done, total: seen.append((done, total)))
                if name == "there"
                else None,
            )
            assert indexed == await backend.count() > 0
        finally:
            await backend.close()
    assert index_tables(paths["there"]) == index_tables(paths["here"])
    # Progress ran up to the number of services.
    assert seen
    assert seen[-1][0] == seen[-1][1] == seen[0][1]


async def test_a_failing_reader_fails_the_rebuild_and_keeps_the_index(
    directory: Directory, session_factory: SessionFactory, tmp_path: Path
) -> None:
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    try:
        before = await reindex(session_factory=session_factory, backend=backend, catch_up=False)
        # A database without the directory's tables: the reader's first query fails.
        empty = f"sqlite+aiosqlite:///{tmp_path / 'not-a-directory.sqlite3'}"
        with pytest.raises(ReaderFailed, match=r"failed \(OperationalError\)"):
            await reindex(
                session_factory=session_factory,
                backend=backend,
                catch_up=False,
                database_url=empty,
                process_min_services=0,
            )
        assert await backend.count() == before > 0
        page = await backend.search(SearchRequest(needs=("food",)))
        assert page.total > 0
    finally:
        await backend.close()
    assert multiprocessing.active_children() == []


async def test_a_reader_no_longer_wanted_is_stopped(
    directory: Directory, database_url: str
) -> None:
    async with reader_process(database_url, 1) as batches:
        # A batch of one inactive service holds no document: read on to the first that does.
        first: list[ServiceDocument] = []
        while not first:
            first = await anext(batches)
        assert len(first) == 1
    # Closed after one batch of many: the process did not wait on a full pipe.
    assert multiprocessing.active_children() == []
