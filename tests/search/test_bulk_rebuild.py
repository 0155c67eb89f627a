"""A rebuild loads in bulk (FTS5 merging off, no per-document lookups) and leaves the index as
incremental writes need it: merging back on, organizations renamed, words found after writes."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.embedded.store import AUTOMERGE, CRISISMERGE
from search.models import SearchRequest


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


async def _batches(docs: Sequence[ServiceDocument]) -> AsyncIterator[list[ServiceDocument]]:
    for start in range(0, len(docs), 7):
        yield list(docs[start : start + 7])


async def test_a_rebuild_restores_merging_and_later_writes_are_found(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    backend = EmbeddedBackend(path)
    try:
        await backend.index([_doc(900)])  # replaced by the rebuild
        assert await backend.rebuild(_batches([_doc(n) for n in range(40)])) == 40
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
        async for batch in _batches([_doc(n) for n in range(100, 120)]):
            yield batch
        raise RuntimeError("the directory went away")

    try:
        await backend.rebuild(_batches([_doc(n) for n in range(10)]))
        with pytest.raises(RuntimeError, match="the directory went away"):
            await backend.rebuild(failing())
        assert await backend.count() == 10
        assert (await backend.search(SearchRequest(text="pantry 105"))).total == 0
        assert (await backend.search(SearchRequest(text="pantry", first=50))).total == 10
        await backend.index([_doc(11)])  # the writer is free again
        assert (await backend.search(SearchRequest(text="pantry 11"))).total == 1
    finally:
        await backend.close()
