"""The embedded index opens its connection pool once, however many threads ask at the same time."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from search.embedded.backend import EmbeddedBackend


def test_threads_opening_a_new_index_at_once_all_find_its_tables(tmp_path: Path) -> None:
    # A served app's startup fill counts documents while the first search arrives; before the
    # pool was opened under a lock, one of them could read the file while the other was still
    # creating its tables ("no such table: doc", 17 of 120 reads in 30 rounds).
    errors: list[str] = []
    counts: list[int] = []
    for round_ in range(30):
        backend = EmbeddedBackend(tmp_path / f"index-{round_}.sqlite3")
        barrier = threading.Barrier(4)

        def count(backend: EmbeddedBackend = backend, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                counts.append(asyncio.run(backend.count()))
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=count) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        asyncio.run(backend.close())
    assert errors == []
    assert counts == [0] * 120
