"""Keeps the index in step with the directory: events after commit -> rebuilt documents."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from hub.core.db import SessionFactory
from hub.core.events import PublishedEvent
from search.affected import DIRECTORY_AGGREGATES, affected_services
from search.backend import SearchBackend
from search.documents import build_documents
from search.needs import forget_trees

log = logging.getLogger(__name__)


class IndexSync:
    """An event handler that queues directory events and re-indexes off the request path.

    Saving never waits for (or fails because of) the index: the handler only enqueues. A
    background task rebuilds the affected services' documents from the database, so applying an
    event twice or late gives the same index. `drain()` waits until the queue is empty (tests,
    CLI, shutdown).
    """

    def __init__(
        self,
        backend: SearchBackend,
        session_factory: SessionFactory,
        *,
        batch_size: int = 500,
        retries: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        self.backend = backend
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.retries = retries
        self.retry_delay = retry_delay
        self._queue: asyncio.Queue[list[str]] | None = None
        self._task: asyncio.Task[None] | None = None

    def __call__(self, events: list[PublishedEvent]) -> None:
        """Publisher hook: enqueue the ids of committed directory events."""
        ids = [e.id for e in events if e.aggregate_type in DIRECTORY_AGGREGATES]
        if any(e.aggregate_type == "taxonomy_term" for e in events):
            forget_trees()
        if not ids:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("directory events committed outside an event loop; run `hub reindex`")
            return
        if self._queue is None or self._task is None or self._task.done():
            self._queue = self._queue or asyncio.Queue()
            self._task = loop.create_task(self._work(self._queue), name="search-index-sync")
        self._queue.put_nowait(ids)

    async def drain(self) -> None:
        """Wait until every queued event has been applied to the index."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        """Finish queued work, then stop the background task."""
        await self.drain()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _work(self, queue: asyncio.Queue[list[str]]) -> None:
        while True:
            batches = [await queue.get()]
            while not queue.empty():
                batches.append(queue.get_nowait())
            try:
                await self._apply([i for batch in batches for i in batch])
            finally:
                for _ in batches:
                    queue.task_done()

    async def _apply(self, event_ids: list[str]) -> None:
        for attempt in range(1, self.retries + 1):
            try:
                async with self.session_factory() as session:
                    services = await affected_services(session, event_ids)
                await self.sync_services(sorted(services))
                return
            except Exception:
                # The index is derived: a failure is logged and retried, and never reaches the
                # save that caused it; `hub reindex` repairs whatever still slipped through.
                log.exception("search index sync failed (attempt %d of %d)", attempt, self.retries)
                if attempt < self.retries:
                    await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))

    async def sync_services(self, service_ids: Sequence[str]) -> None:
        """Rebuild the documents of these services from the database (removing stale ones)."""
        for start in range(0, len(service_ids), self.batch_size):
            chunk = service_ids[start : start + self.batch_size]
            async with self.session_factory() as session:
                documents = await build_documents(session, chunk)
            await self.backend.replace_services(chunk, documents)
