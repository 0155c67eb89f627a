"""Schema migrations with Alembic: upgrade to head, and tell whether a database is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from hub.core.db import sync_url
from hub.tables import metadata

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _sync_engine(url: str) -> sa.Engine:
    plain = sync_url(url)
    if plain.startswith("sqlite"):
        database = sa.engine.make_url(plain).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(plain)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(plain)


def upgrade(url: str, target: str = "heads") -> None:
    """Upgrade the database at `url` to the newest revision of every migration branch."""
    engine = _sync_engine(url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, target)
    finally:
        engine.dispose()


def head_revisions() -> set[str]:
    """The revisions a current database is at."""
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(url: str) -> set[str]:
    """The revisions the database at `url` is at (empty when never migrated)."""
    engine = _sync_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def is_current(url: str) -> bool:
    """True when the database has every migration applied."""
    return current_revisions(url) == head_revisions()


def pending_model_changes(url: str) -> list[Any]:
    """Differences between the tables in code and a migrated database (empty when in sync)."""
    engine = _sync_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def revision(url: str, message: str, **kwargs: Any) -> None:
    """Autogenerate a migration from model changes (a developer tool)."""
    engine = _sync_engine(url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True, **kwargs)
    finally:
        engine.dispose()
