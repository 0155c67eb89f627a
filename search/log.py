"""The search log (table `search_log`): what was searched where, never who searched."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.db import SessionFactory
from hub.core.ids import new_id
from hub.core.model_base import id_field, utc_field

log = logging.getLogger(__name__)


class SearchLog(SQLModel, table=True):
    """One search: need codes, the ZIP the point rounds to, radius and how many results."""

    __tablename__ = "search_log"

    id: str = id_field()
    created_at: datetime = utc_field()
    need_codes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # The query point rounded to its nearest ZIP centroid: coarse enough to be anonymous.
    postal_code: str | None = Field(default=None, max_length=10, index=True)
    state: str | None = Field(default=None, max_length=2)
    radius_km: float | None = None
    result_count: int = 0
    has_text: bool = False
    # Names (not values) of the filters used, e.g. ["free", "languages"].
    filters: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sort: str = Field(default="relevance", max_length=20)


class SearchLogWriter:
    """Buffers log rows and writes them in batches off the request path (at most `delay` late)."""

    def __init__(self, session_factory: SessionFactory, *, delay: float = 1.0) -> None:
        self.session_factory = session_factory
        self.delay = delay
        self._rows: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, **values: Any) -> None:
        """Queue a row (SearchLog columns); a background task writes it shortly."""
        # Plain values, not a model instance: building one costs more than the search itself.
        values.setdefault("id", new_id())
        self._rows.append(values)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay)
        await self.flush()

    async def flush(self) -> None:
        """Write every queued row now (a failure is logged; search never fails because of it)."""
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            async with self.session_factory() as session:
                # executemany of one compiled statement: a multi-row VALUES built per batch
                # costs the loop about a millisecond per row to compile.
                connection = await session.connection()
                await connection.execute(sa.insert(SearchLog.__table__), rows)  # type: ignore[attr-defined]
                await session.commit()
        except Exception:
            log.exception("could not write %d search log rows", len(rows))

    async def close(self) -> None:
        """Stop waiting and write what is queued."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        await self.flush()
