"""The demo step that builds the search index over the freshly written directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from search.reindex import reindex

if TYPE_CHECKING:
    from hub.demo.steps import DemoContext


async def search_index_step(ctx: DemoContext) -> None:
    """Index every demo service (the demo writes rows in bulk, without per-row events)."""
    backend = ctx.container.search_backend
    if backend is None:
        return
    ctx.summary["search_documents"] = await reindex(
        session_factory=ctx.container.session_factory,
        backend=backend,
        progress=ctx.progress,
        catch_up=False,  # nothing else writes while the demo builds its network
    )
