"""Rebuild the whole index from the database (the `hub reindex` command and the demo)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence

from hub.core.db import SessionFactory
from search.backend import SearchBackend
from search.document import ServiceDocument
from search.documents import count_services, iter_documents

log = logging.getLogger(__name__)

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


async def fill_if_empty(*, session_factory: SessionFactory, backend: SearchBackend) -> int:
    """Rebuild an index that holds nothing while the directory has services; returns the count.

    That is a fresh index beside an existing database, or an embedded index file of an older
    layout (dropped on open): without this every search would come back empty until someone
    ran `hub reindex`.
    """
    if await backend.count() > 0:
        return 0
    async with session_factory() as session:
        services = await count_services(session)
    if services == 0:
        return 0
    log.warning("search index is empty but %d services exist: rebuilding it", services)
    indexed = await reindex(session_factory=session_factory, backend=backend)
    log.info("search index rebuilt: %d documents", indexed)
    return indexed
