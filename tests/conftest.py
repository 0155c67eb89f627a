"""Shared fixtures: a clean, migrated database per test (SQLite file, or PostgreSQL when asked)."""

from __future__ import annotations

import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from hub import migrate
from hub.core.db import SessionFactory, create_engine, create_session_factory
from hub.core.settings import Settings
from tests.security.log_privacy_plugin import (  # noqa: F401 - the log-privacy check, every run
    log_privacy_capture,
    pytest_configure,
    pytest_sessionfinish,
    pytest_unconfigure,
)

PG_ENV = "HUB_TEST_DATABASE_URL"


def _pg_admin_url(url: str) -> sa.URL:
    return sa.make_url(migrate.sync_url(url)).set(database="postgres")


def _pg_execute(url: str, statement: str) -> None:
    engine = sa.create_engine(_pg_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate one template database per test session; tests copy it."""
    pg_url = os.environ.get(PG_ENV, "").strip()
    if pg_url:
        name = f"hub_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _pg_execute(pg_url, f'CREATE DATABASE "{name}"')
        url = sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
        _pg_execute(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "hub.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        migrate.upgrade(url)
        yield url


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for one test."""
    parsed = sa.make_url(migrated_template)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_t_{uuid.uuid4().hex[:12]}"
        _pg_execute(migrated_template, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        yield parsed.set(database=name).render_as_string(hide_password=False)
        _pg_execute(migrated_template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        assert parsed.database is not None
        target = tmp_path / "hub.sqlite3"
        shutil.copyfile(parsed.database, target)
        yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test, built by constructor (never from the process environment)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
        debug=False,
        log_format="console",
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The async engine of the test database."""
    engine = create_engine(settings.resolved_database_url())
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    """A session factory without event publishing."""
    return create_session_factory(engine)


@pytest.fixture
async def session(session_factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One session; the test commits what it wants kept."""
    async with session_factory() as session:
        yield session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run sync browser tests last, keeping every other order.

    pytest-playwright's sync API leaves an event loop running in the main thread for the rest
    of the session, and async tests collected after it (async browser tests included) would
    fail to start their own.
    """

    def sync_browser(item: pytest.Item) -> bool:
        function = getattr(item, "function", None)
        is_async = function is not None and inspect.iscoroutinefunction(function)
        return item.get_closest_marker("browser") is not None and not is_async

    items.sort(key=sync_browser)
