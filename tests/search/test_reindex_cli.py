"""`hub reindex` rebuilds the embedded index from the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.core.db import create_engine, create_session_factory
from search.embedded import EmbeddedBackend
from search.models import SearchPage, SearchRequest
from tests.search.directory import Directory, build_directory


async def _directory(url: str) -> Directory:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return await build_directory(session)
    finally:
        await engine.dispose()


async def _food(index: Path) -> SearchPage:
    backend = EmbeddedBackend(index)
    try:
        return await backend.search(SearchRequest(needs=("food",)))
    finally:
        await backend.close()


def test_reindex_command(database_url: str, tmp_path: Path) -> None:
    made = asyncio.run(_directory(database_url))
    index = tmp_path / "cli-index.sqlite3"
    env = {
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_SEARCH_INDEX_PATH": str(index),
        "HUB_SECRET_KEY": "test-secret-key-0123456789",
    }
    result = CliRunner().invoke(app, ["reindex"], env=env)
    assert result.exit_code == 0, result.output
    assert "Indexed 10 documents" in result.output
    page = asyncio.run(_food(index))
    assert [h.service_id for h in page.hits] == [made.services["pantry"]]
