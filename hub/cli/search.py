"""`hub reindex`: rebuild the search index from the database, with a progress bar."""

from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli.common import console, load_settings, require_current, run
from hub.container import build_container
from hub.core.settings import Settings
from search.reindex import reindex as rebuild_index


async def _reindex(settings: Settings) -> int:
    container = build_container(settings)
    assert container.search_backend is not None
    try:
        with Progress(
            TextColumn("Indexing services"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("reindex", total=None)
            return await rebuild_index(
                session_factory=container.session_factory,
                backend=container.search_backend,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                # A large directory is read by a second process while this one writes.
                database_url=settings.resolved_database_url(),
            )
    finally:
        await container.close()


def reindex() -> None:
    """Rebuild the search index (embedded file or Elasticsearch alias) from the directory."""
    settings = load_settings()
    require_current(settings)
    started = time.perf_counter()
    count = run(_reindex(settings))
    where = (
        settings.elasticsearch_index
        if settings.search_backend == "elasticsearch"
        else str(settings.resolved_search_index_path())
    )
    console.print(
        f"Indexed {count} documents into {where} in {time.perf_counter() - started:.1f} s."
    )
