"""Changes committed while a rebuild reads the directory still reach the rebuilt index."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory, transaction
from hub.identity.principal import SYSTEM
from providers import services
from search.backend import Progress
from search.document import ServiceDocument
from search.embedded import EmbeddedBackend
from search.reindex import reindex
from tests.search.directory import Directory


class ChangedMidway(EmbeddedBackend):
    """An index whose rebuild, once its first batch is in, lets the directory change."""

    def __init__(self, path: Path, change: Callable[[str], Awaitable[None]]) -> None:
        super().__init__(path)
        self.change = change
        self.changed: str | None = None

    async def rebuild(
        self, batches: AsyncIterable[Sequence[ServiceDocument]], *, progress: Progress | None = None
    ) -> int:
        async def watched() -> AsyncIterator[Sequence[ServiceDocument]]:
            async for batch in batches:
                yield batch
                if self.changed is None:
                    # The batch holding this service has been read and indexed already.
                    self.changed = batch[0].service_id
                    await self.change(self.changed)

        return await super().rebuild(watched(), progress=progress)


@pytest.mark.parametrize("catch_up", [True, False])
async def test_a_service_closed_during_a_rebuild_leaves_the_index(
    session_factory: SessionFactory, directory: Directory, tmp_path: Path, catch_up: bool
) -> None:
    async def close_service(service_id: str) -> None:
        # Committed by "another process": nothing here publishes it to this index.
        async with transaction(session_factory) as session:
            await services.update_service(
                session=session,
                actor=SYSTEM,
                clock=SystemClock(),
                service_id=service_id,
                changes={"status": "inactive"},
            )

    backend = ChangedMidway(tmp_path / "search.sqlite3", close_service)
    try:
        await reindex(
            session_factory=session_factory, backend=backend, batch_size=4, catch_up=catch_up
        )
        assert backend.changed in directory.services.values()
        left = await backend.document_ids(service_ids=[backend.changed])
    finally:
        await backend.close()
    # Without the catch-up the rebuilt index still lists the closed service.
    assert (left == set()) is catch_up
