"""The embedded backend runs searches known to be quick on the caller's thread, others off it."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.models import GeoPoint, PlaceContext, SearchPage, SearchRequest

NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
NEARBY = SearchRequest(
    needs=("food",),
    point=GeoPoint(37.78, -122.22),
    place=PlaceContext("94601", "Alameda County", "CA"),
    radius_km=10.0,
    now=NOW,
)
NATIONWIDE = SearchRequest(needs=("food",), now=NOW)


def _doc(number: int, version: int = 1) -> ServiceDocument:
    return ServiceDocument(
        id=f"sal:{number}",
        version=version,
        service_id=f"s{number}",
        organization_id="org-1",
        service_name=f"Pantry {number}",
        organization_name="Food Bank",
        needs=(NeedRef("food.pantry", "Food pantry", ("food",)),),
        latitude=37.78 + number / 1000,
        longitude=-122.22,
        areas=("zip:94601",),
    )


class Threads:
    """Records the thread each search of a backend ran on."""

    def __init__(self, backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[bool] = []  # True: on the caller's thread
        original = backend._search_on
        caller = threading.get_ident()

        def spy(*args: Any, **kwargs: Any) -> SearchPage:
            self.seen.append(threading.get_ident() == caller)
            return original(*args, **kwargs)

        monkeypatch.setattr(backend, "_search_on", spy)


@pytest.fixture
async def backend(tmp_path: Path) -> Any:
    made = EmbeddedBackend(tmp_path / "search.sqlite3", cache_size=0)
    made.inline_budget = 60.0  # every search here is quick enough, however busy the machine
    await made.index([_doc(1), _doc(2)])
    yield made
    await made.close()


async def test_a_kind_known_to_be_quick_runs_on_the_callers_thread(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = Threads(backend, monkeypatch)
    first = await backend.search(NEARBY)  # nothing known about its kind yet: a worker thread
    second = await backend.search(NEARBY)  # it was quick: here
    assert threads.seen == [False, True]
    assert second == first
    assert first.total == 2


async def test_a_kind_slower_than_the_budget_goes_to_a_worker_thread(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = Threads(backend, monkeypatch)
    backend.inline_budget = 0.0  # every search is slower than that
    await backend.search(NEARBY)
    await backend.search(NEARBY)
    assert threads.seen == [False, False]


async def test_a_busy_inline_reader_or_a_stale_column_store_sends_it_to_a_worker_thread(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = Threads(backend, monkeypatch)
    await backend.search(NATIONWIDE)
    await backend.search(NATIONWIDE)
    assert threads.seen == [False, True]
    with backend.pool.inline() as held:  # another caller has the inline reader
        assert held is not None
        assert (await backend.search(NATIONWIDE)).total == 2
    assert threads.seen[-1] is False
    # After a write the column store must be reloaded first: not on the caller's thread.
    await backend.index([_doc(3)])
    assert (await backend.search(NATIONWIDE)).total == 3
    assert (await backend.search(NATIONWIDE)).total == 3
    assert threads.seen[-2:] == [False, True]


async def test_a_lock_wait_falls_back_to_a_worker_thread(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    await backend.search(NEARBY)
    original = backend._search_on
    calls: list[bool] = []

    def busy(*args: Any, inline: bool = False, **kwargs: Any) -> SearchPage:
        calls.append(inline)
        if inline:
            raise sqlite3.OperationalError("database is locked")
        return original(*args, inline=inline, **kwargs)

    monkeypatch.setattr(backend, "_search_on", busy)
    assert (await backend.search(NEARBY)).total == 2
    assert calls == [True, False]
