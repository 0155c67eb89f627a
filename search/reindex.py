"""Rebuild the whole index from the database (the `hub reindex` command and the demo)."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import AsyncExitStack, aclosing
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from hub.core.db import SessionFactory
from hub.core.events import OutboxEvent
from search.affected import DIRECTORY_AGGREGATES, affected_services
from search.backend import SearchBackend
from search.document import ServiceDocument
from search.document_parts import fewer_collections
from search.documents import count_services, iter_documents
from search.reader_process import PROCESS_MIN_SERVICES, reader_process
from search.sync import IndexSync

log = logging.getLogger(__name__)

ReindexProgress = Callable[[int, int], None]

# A rebuild reads the directory batch by batch; a change committed meanwhile to a service
# already read can reach only the index being replaced (Elasticsearch writes through the old
# alias; another process's sync lands before the swap). So the services of every directory
# event recorded since shortly before the rebuild began are synced again after it: the margin
# covers transactions that recorded their events before the start and committed during it.
CATCH_UP_MARGIN = timedelta(minutes=1)


async def reindex(
    *,
    session_factory: SessionFactory,
    backend: SearchBackend,
    batch_size: int = 2000,
    progress: ReindexProgress | None = None,
    catch_up: bool = True,
    database_url: str | None = None,
    process_min_services: int = PROCESS_MIN_SERVICES,
) -> int:
    """Replace the index with documents of every active service; returns how many were indexed.

    With `catch_up` (unless nothing can change meanwhile, as in `hub demo`), changes committed
    during the rebuild are synced again once it is done (see `CATCH_UP_MARGIN`). Given the
    database's URL, a directory of at least `process_min_services` services is read by a
    second process while this one writes (see `reader_process.py`).
    """
    started = datetime.now(UTC)
    with fewer_collections():
        indexed, total = await _rebuild(
            session_factory,
            backend,
            batch_size,
            progress,
            database_url,
            process_min_services,
        )
    if catch_up:
        synced = await sync_changed_since(
            session_factory=session_factory, backend=backend, since=started - CATCH_UP_MARGIN
        )
        if synced:
            log.info("re-synced %d services changed while the index was rebuilt", synced)
    if progress is not None:
        progress(total, total)
    return indexed


async def _rebuild(
    session_factory: SessionFactory,
    backend: SearchBackend,
    batch_size: int,
    progress: ReindexProgress | None,
    database_url: str | None,
    process_min_services: int,
) -> tuple[int, int]:
    """Rebuild the index; how many documents were indexed, and how many services walked."""
    async with session_factory() as session:
        total = await count_services(session)
        done = 0
        async with AsyncExitStack() as stack:
            read: AsyncGenerator[list[ServiceDocument]]
            if database_url is not None and total >= process_min_services:
                # Started before the rebuild empties the index: the child starts meanwhile.
                # Leaving the stack stops it, however the rebuild ends.
                read = await stack.enter_async_context(reader_process(database_url, batch_size))
            else:
                read = iter_documents(session, batch_size=batch_size)

            async def batches() -> AsyncGenerator[Sequence[ServiceDocument]]:
                nonlocal done
                async with aclosing(read):
                    async for batch in read:
                        yield batch
                        done = min(total, done + batch_size)
                        if progress is not None:
                            progress(done, total)

            async with aclosing(batches()) as stream:
                indexed = await backend.rebuild(stream)
    return indexed, total


async def sync_changed_since(
    *, session_factory: SessionFactory, backend: SearchBackend, since: datetime
) -> int:
    """Sync again the services touched by directory events recorded since `since`; how many."""
    async with session_factory() as session:
        event_ids = (
            await session.exec(
                select(OutboxEvent.id).where(
                    OutboxEvent.created_at >= since,
                    col(OutboxEvent.aggregate_type).in_(DIRECTORY_AGGREGATES),
                )
            )
        ).all()
        services = await affected_services(session, event_ids) if event_ids else set()
    if services:
        await IndexSync(backend, session_factory).sync_services(sorted(services))
    return len(services)


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
