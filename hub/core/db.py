"""Database engines and sessions: async SQLModel sessions over SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core import sqlite_driver
from hub.core.events import PUBLISHER_KEY

SessionFactory = async_sessionmaker[AsyncSession]

# SQLAlchemy's aiosqlite dialect over `sqlite_driver` in place of the aiosqlite module: the
# same adapter, with one trip to the connection's thread per statement instead of four.
_SQLITE_DBAPI = AsyncAdapt_aiosqlite_dbapi(sqlite_driver, sqlite3)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
    # The pool's default reset rolls back every returned connection: one more trip to the
    # aiosqlite thread after each commit. Roll back only what is still open.
    if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for a database URL, with SQLite tuned for concurrent use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            # Database errors are logged: their messages must not carry client data.
            hide_parameters=True,
            module=_SQLITE_DBAPI,
            connect_args={"timeout": 30},
            pool_reset_on_return=None,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
        return engine
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=20
    )


def create_session_factory(
    engine: AsyncEngine, *, publisher: Callable[..., None] | None = None
) -> SessionFactory:
    """Build the session factory; committed outbox events go to `publisher`."""
    info = {PUBLISHER_KEY: publisher} if publisher is not None else {}
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """Open a session, commit on success and roll back on any error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def sync_url(url: str) -> str:
    """Return the synchronous-driver twin of an async URL (for Alembic and bulk tools)."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)
