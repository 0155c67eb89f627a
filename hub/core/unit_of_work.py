"""A hot unit of work written once, as a synchronous function over `Statements`, run two ways.

Joined to a caller's session (`SessionStatements`, inside `AsyncSession.run_sync`), it adds its
rows to that transaction. Run by `run_unit` it is a transaction of its own; on SQLite's buffered
driver the whole function - reads, decisions, guarded writes and the commit - is then one job
on the connection's thread, so a referral transition costs one trip instead of three and skips
the ORM session. Statements must be prebuilt with named bind parameters (compiled once per
dialect, see `hub.core.guarded_writes`); outbox rows given to `publish_after_commit` are
published once the transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hub.core import events, sqlite_driver
from hub.core.db import SessionFactory
from hub.core.guarded_writes import (
    WriteStep,
    database_error,
    execute_guarded,
    plan,
    run_guarded_plans,
)

T = TypeVar("T")
# A row keyed by column name (SQLAlchemy's RowMapping, or a dict).
Row = Mapping[Any, Any]


class Statements(Protocol):
    """What a unit of work may do with its transaction."""

    def fetch_one(self, statement: sa.Select[Any], parameters: Mapping[str, Any]) -> Row | None:
        """The first row of a query, keyed by column name, or None."""

    def fetch_all(self, statement: sa.Select[Any], parameters: Mapping[str, Any]) -> list[Row]:
        """Every row of a query, keyed by column name."""

    def write(self, steps: Sequence[WriteStep]) -> list[int]:
        """Run guarded writes (see `execute_guarded`); the row count of each step run."""

    def publish_after_commit(self, rows: list[dict[str, Any]]) -> None:
        """Publish outbox rows written in this transaction once it commits."""


class _Collecting:
    """The reads every implementation shares, and outbox rows kept for `run_unit`."""

    def __init__(self) -> None:
        self.outbox: list[dict[str, Any]] = []

    def fetch_one(self, statement: sa.Select[Any], parameters: Mapping[str, Any]) -> Row | None:
        """The first row of a query, keyed by column name, or None."""
        return next(iter(self._rows(statement, parameters, one=True)), None)

    def fetch_all(self, statement: sa.Select[Any], parameters: Mapping[str, Any]) -> list[Row]:
        """Every row of a query, keyed by column name."""
        return self._rows(statement, parameters, one=False)

    def publish_after_commit(self, rows: list[dict[str, Any]]) -> None:
        """Keep the rows for `run_unit` to publish after its commit."""
        self.outbox.extend(rows)

    def _rows(
        self, statement: sa.Select[Any], parameters: Mapping[str, Any], *, one: bool
    ) -> list[Row]:
        raise NotImplementedError


class ConnectionStatements(_Collecting):
    """Statements through a SQLAlchemy connection (any database)."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__()
        self.connection = connection

    def _rows(
        self, statement: sa.Select[Any], parameters: Mapping[str, Any], *, one: bool
    ) -> list[Row]:
        # Planned (cached) only to fail as `SqliteStatements` does when a value is missing.
        plan(statement, tuple(sorted(parameters)), self.connection.dialect)
        result = self.connection.execute(statement, dict(parameters)).mappings()
        if one:
            row = result.first()
            return [] if row is None else [row]
        return list(result.all())

    def write(self, steps: Sequence[WriteStep]) -> list[int]:
        """Run guarded writes; the row count of each step run."""
        return execute_guarded(self.connection, steps)


class SessionStatements(ConnectionStatements):
    """Statements in an ORM session's transaction (flushed first); published on its commit."""

    def __init__(self, session: Session) -> None:
        session.flush()
        super().__init__(session.connection())
        self.session = session

    def publish_after_commit(self, rows: list[dict[str, Any]]) -> None:
        """Publish when the session commits (nothing if it rolls back)."""
        events.publish_after_commit(self.session, rows)


class SqliteStatements(_Collecting):
    """Statements run straight on a sqlite3 connection, on its thread, from compiled plans.

    Rows are converted by the result processors SQLAlchemy itself would apply.
    """

    def __init__(self, connection: sqlite3.Connection, dialect: sa.Dialect) -> None:
        super().__init__()
        self.connection = connection
        self.dialect = dialect

    def _rows(
        self, statement: sa.Select[Any], parameters: Mapping[str, Any], *, one: bool
    ) -> list[Row]:
        compiled = plan(statement, tuple(sorted(parameters)), self.dialect)
        try:
            cursor = self.connection.execute(compiled.sql, compiled.positional(parameters))
            found = cursor.fetchmany(1) if one else cursor.fetchall()
            cursor.close()
        except sqlite3.Error as error:
            raise database_error(compiled.sql, error) from error
        keys, converters = compiled.keys, compiled.results
        return [
            {
                key: value if convert is None else convert(value)
                for key, convert, value in zip(keys, converters, values, strict=True)
            }
            for values in found
        ]

    def write(self, steps: Sequence[WriteStep]) -> list[int]:
        """Run guarded writes in turn on this thread; the row count of each step run."""
        return run_guarded_plans(self.connection, steps, self.dialect)


async def run_unit(factory: SessionFactory, work: Callable[[Statements], T]) -> T:
    """Run `work` in a transaction of its own, commit, publish its events; roll back on error."""
    engine = factory.kw["bind"]
    publisher = factory.kw.get("info", {}).get(events.PUBLISHER_KEY)

    def collecting(
        statements: SqliteStatements | ConnectionStatements,
    ) -> tuple[T, list[dict[str, Any]]]:
        return work(statements), statements.outbox

    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        if isinstance(driver, sqlite_driver.Connection):
            dialect = engine.dialect
            result, outbox = await driver.run_transaction(
                lambda raw: collecting(SqliteStatements(raw, dialect))
            )
        else:
            async with connection.begin():
                result, outbox = await connection.run_sync(
                    lambda sync: collecting(ConnectionStatements(sync))
                )
    if outbox and publisher is not None:
        publisher(events.published(outbox))
    return result
