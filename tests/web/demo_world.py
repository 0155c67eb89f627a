"""A demo network loaded once per test session, copied for each test that serves the console."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from hub import migrate
from hub.container import build_container
from hub.core.db import sync_url
from hub.core.settings import Settings
from hub.demo.steps import run_demo
from hub.demo.users import DEMO_DOMAIN, DEMO_PASSWORD

INDEX_FILE = "search.sqlite3"


def demo_email(local: str) -> str:
    """The email of a demo user by its local part (`coach.alameda`, `foodbank.admin` ...)."""
    return f"{local}@{DEMO_DOMAIN}"


PASSWORD = DEMO_PASSWORD


@dataclass(frozen=True)
class DemoTemplate:
    """Where the loaded demo lives: a database (file or PostgreSQL template) and an index file."""

    database_url: str
    index: Path


def settings_for(database_url: str, data_dir: Path, **extra: object) -> Settings:
    """Test settings by constructor (never from the environment); tiles off: tests are offline."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": "test-secret-key-0123456789",
        "debug": False,
        "log_format": "console",
        "map_tile_url": "",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def build_template(pg_url: str, folder: Path) -> DemoTemplate:
    """Migrate a database, load the demo network into it, and keep its search index file."""
    if pg_url:
        name = f"hub_demo_{uuid.uuid4().hex[:8]}"
        _pg(pg_url, f'CREATE DATABASE "{name}"')
        url = sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{folder / 'hub.sqlite3'}"
    migrate.upgrade(url)
    settings = settings_for(url, folder)
    asyncio.run(_load(settings))
    return DemoTemplate(database_url=url, index=folder / INDEX_FILE)


async def _load(settings: Settings) -> None:
    container = build_container(settings)
    try:
        await run_demo(container)
    finally:
        await container.close()


def copy_template(template: DemoTemplate, folder: Path) -> str:
    """A fresh copy of the demo (database and index) in `folder`; returns its database URL."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.index, folder / INDEX_FILE)
    parsed = sa.make_url(template.database_url)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_demo_t_{uuid.uuid4().hex[:10]}"
        _pg(template.database_url, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        return parsed.set(database=name).render_as_string(hide_password=False)
    assert parsed.database is not None
    shutil.copyfile(parsed.database, folder / "hub.sqlite3")
    return f"sqlite+aiosqlite:///{folder / 'hub.sqlite3'}"


def drop_copy(database_url: str) -> None:
    """Drop a PostgreSQL copy (SQLite copies go with their temporary folder)."""
    parsed = sa.make_url(database_url)
    if parsed.get_backend_name() == "postgresql":
        _pg(database_url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def _pg(url: str, statement: str) -> None:
    admin = sa.make_url(sync_url(url)).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()
