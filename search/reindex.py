"""Rebuild the whole index from the database (the `hub reindex` command and the demo)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from hub.core.db import SessionFactory
from search.backend import SearchBackend
from search.document import ServiceDocument
from search.documents import count_services, iter_documents

ReindexProgress = Callable[[int, int], None]


async def reindex(
    *,
    session_factory: SessionFactory,
    backend: SearchBackend,
    batch_size: int = 500,
    progress: ReindexProgress | None = None,
) -> int:
    """Replace the index with documents of every active service; returns how many were indexed."""
    async with session_factory() as session:
        total = await count_services(session)
        done = 0

        async def batches() -> AsyncIterator[Sequence[ServiceDocument]]:
            nonlocal done
            async for batch in iter_documents(session, batch_size=batch_size):
                yield batch
                done = min(total, done + batch_size)
                if progress is not None:
                    progress(done, total)

        indexed = await backend.rebuild(batches())
    if progress is not None:
        progress(total, total)
    return indexed
