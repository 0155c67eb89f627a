"""The abstract search backend every engine implements (embedded SQLite FTS5, Elasticsearch)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, Callable, Sequence
from typing import ClassVar

from search.document import ServiceDocument
from search.models import Capability, SearchPage, SearchRequest

Progress = Callable[[int], None]


class SearchBackend(ABC):
    """Search, index and rebuild a derived read model of the directory."""

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]

    def supports(self, capability: Capability) -> bool:
        """Tell whether this backend can do something."""
        return capability in self.capabilities

    @abstractmethod
    async def search(self, request: SearchRequest) -> SearchPage:
        """Run a search."""

    @abstractmethod
    async def index(self, documents: Sequence[ServiceDocument]) -> None:
        """Insert or replace documents; an older version never overwrites a newer one."""

    @abstractmethod
    async def delete(self, document_ids: Sequence[str]) -> None:
        """Remove documents (missing ids are ignored)."""

    @abstractmethod
    async def document_ids(
        self,
        *,
        service_ids: Sequence[str] = (),
        location_ids: Sequence[str] = (),
        organization_ids: Sequence[str] = (),
    ) -> set[str]:
        """Ids of indexed documents of these services, locations or organizations."""

    @abstractmethod
    async def rebuild(
        self, batches: AsyncIterable[Sequence[ServiceDocument]], *, progress: Progress | None = None
    ) -> int:
        """Replace the whole index with the documents streamed in; readers never see it empty."""

    @abstractmethod
    async def count(self) -> int:
        """How many documents the index holds."""

    async def close(self) -> None:
        """Release connections."""
        return None

    async def replace_services(
        self, service_ids: Sequence[str], documents: Sequence[ServiceDocument]
    ) -> None:
        """Make the index hold exactly `documents` for these services (stale ones removed)."""
        current = await self.document_ids(service_ids=service_ids)
        gone = current - {d.id for d in documents}
        if gone:
            await self.delete(sorted(gone))
        if documents:
            await self.index(documents)
