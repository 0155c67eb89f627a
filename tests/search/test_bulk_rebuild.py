"""A rebuild loads in bulk (FTS5 merging off, no per-document lookups) and leaves the index as
incremental writes need it: merging back on, organizations renamed, words found after writes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.embedded.store import AUTOMERGE, CRISISMERGE
from search.models import GeoPoint, SearchRequest
from tests.search.conftest import in_batches, index_tables


def _doc(number: int, org_name: str = "Food Bank") -> ServiceDocument:
    return ServiceDocument(
        id=f"svc:{number}",
        version=1,
        service_id=f"s{number}",
        organization_id=f"o{number % 3}",
        service_name=f"Pantry {number}",
        organization_name=org_name,
        needs=(NeedRef("food.pantry", "Food pantry", ("food",)),),
        areas=("nation",),
    )


async def test_a_rebuild_restores_merging_and_later_writes_are_found(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    backend = EmbeddedBackend(path)
    try:
        await backend.index([_doc(900)])  # replaced by the rebuild
        assert await backend.rebuild(in_batches([_doc(n) for n in range(40)], 7)) == 40
        assert await backend.count() == 40
        page = await backend.search(SearchRequest(text="pantry", first=50))
        assert page.total == 40
        await backend.index([_doc(3, org_name="Food Bank North"), _doc(41)])
        page = await backend.search(SearchRequest(text="north", first=50))
        # Only the rewritten document carries the new name in its words.
        assert {h.document_id for h in page.hits} == {"svc:3"}
        assert (await backend.search(SearchRequest(text="pantry 41"))).total == 1
        assert (await backend.search(SearchRequest(text="pantry 900"))).total == 0
    finally:
        await backend.close()
    connection = sqlite3.connect(path)
    config = dict(connection.execute("SELECT k, v FROM doc_fts_config").fetchall())
    connection.close()
    assert config["automerge"] == AUTOMERGE
    assert config["crisismerge"] == CRISISMERGE


async def test_a_rebuild_failing_midway_keeps_the_previous_index(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")

    async def failing() -> AsyncIterator[list[ServiceDocument]]:
        async for batch in in_batches([_doc(n) for n in range(100, 120)], 7):
            yield batch
        raise RuntimeError("the directory went away")

    try:
        await backend.rebuild(in_batches([_doc(n) for n in range(10)], 7))
        with pytest.raises(RuntimeError, match="the directory went away"):
            await backend.rebuild(failing())
        assert await backend.count() == 10
        assert (await backend.search(SearchRequest(text="pantry 105"))).total == 0
        assert (await backend.search(SearchRequest(text="pantry", first=50))).total == 10
        await backend.index([_doc(11)])  # the writer is free again
        assert (await backend.search(SearchRequest(text="pantry 11"))).total == 1
    finally:
        await backend.close()
    # The indexes the failed load had dropped came back with the rollback.
    indexes = index_tables(tmp_path / "search.sqlite3")["indexes"]
    assert {"doc_service", "doc_location", "doc_need_doc", "doc_open_doc"} <= {
        n for n, _ in indexes
    }


def _varied(number: int) -> ServiceDocument:
    """Documents unlike each other in every part a rebuild writes in bulk."""
    placed = number % 3 != 0
    return ServiceDocument(
        id=f"svc:{number}",
        version=number,
        service_id=f"s{number}",
        organization_id=f"o{number % 4}",
        service_name=f'Clínica "{number}" \\ día',
        organization_name=f"Org {number % 4} 北",
        location_id=f"l{number}" if placed else None,
        needs=(
            NeedRef("food.pantry", "Food pantry", ("food",)),
            *((NeedRef("legal", "Legal aid", ()),) if number % 2 else ()),
        ),
        languages=("en", "es", "zh")[: number % 4],
        open_spans=tuple((day * 1440 + 540, day * 1440 + 1020) for day in range(number % 6)),
        min_cost=None if number % 2 else 0.1 * number,
        latitude=37.0 + number / 7 if placed else None,
        longitude=-122.0 - number / 9 if placed else None,
        areas=() if placed else (f"zip:9460{number % 10}", "nation"),
    )


async def test_a_rebuild_stores_what_writing_each_document_stores(tmp_path: Path) -> None:
    docs = [_varied(n) for n in range(1, 30)]
    bulk, one_by_one = (
        EmbeddedBackend(tmp_path / "bulk.sqlite3"),
        EmbeddedBackend(tmp_path / "each.sqlite3"),
    )
    try:
        assert await bulk.rebuild(in_batches(docs, 7)) == len(docs)
        for doc in docs:
            await one_by_one.index([doc])
        near = SearchRequest(text="clinica", point=GeoPoint(37.5, -122.4), radius_km=200, first=50)
        assert (await bulk.search(near)).total == (await one_by_one.search(near)).total > 0
    finally:
        await bulk.close()
        await one_by_one.close()
    rebuilt, written = (
        index_tables(tmp_path / "bulk.sqlite3"),
        index_tables(tmp_path / "each.sqlite3"),
    )
    # The indexes a rebuild dropped while loading are all back.
    assert {n for n, _ in rebuilt["indexes"]} >= {"doc_location", "doc_need_doc", "doc_open_doc"}
    for table, rows in written.items():
        assert rebuilt[table] == rows, table


async def test_searches_during_a_rebuild_answer_from_the_index_it_replaces(
    tmp_path: Path,
) -> None:
    """The rebuild empties the full-text and R*Tree tables by dropping and making them again:
    inside its transaction, so searches meanwhile still find the old documents there."""
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    old = [_varied(n) for n in range(1, 13)]
    new = [_doc(n) for n in range(50, 55)]
    near = SearchRequest(text="clinica", point=GeoPoint(37.5, -122.4), radius_km=300, first=50)
    halfway = asyncio.Event()
    resume = asyncio.Event()

    async def slow() -> AsyncIterator[list[ServiceDocument]]:
        yield new[:2]
        halfway.set()
        await resume.wait()
        yield new[2:]

    rebuilding: asyncio.Future[int] | None = None
    try:
        await backend.rebuild(in_batches(old, 5))
        before = (await backend.search(near)).total
        assert before > 0
        rebuilding = asyncio.ensure_future(backend.rebuild(slow()))
        await halfway.wait()
        assert (await backend.search(near)).total == before
        assert (await backend.search(SearchRequest(text="bank"))).total == 0
        resume.set()
        assert await rebuilding == len(new)
        assert (await backend.search(near)).total == 0
        assert (await backend.search(SearchRequest(text="bank", first=50))).total == len(new)
    finally:
        resume.set()  # a failed assertion must not leave the rebuild holding the writer
        if rebuilding is not None:
            await asyncio.wait([rebuilding])
        await backend.close()
