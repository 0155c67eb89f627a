"""aiosqlite with buffered cursors: one trip to the connection's thread per statement.

aiosqlite runs each call (open a cursor, execute, fetch, close) as its own job on the
connection's worker thread, and SQLAlchemy's aiosqlite adapter makes all four calls for every
statement. Here a cursor executes, fetches every row and closes in one job and keeps the
results in memory, so a statement costs one trip. The module offers the interface of the
`aiosqlite` module that SQLAlchemy's aiosqlite dialect uses (`connect`, `Connection`, the
DB-API errors), so it is handed to that dialect as its driver (see `hub.core.db`). Results are
always buffered, server-side cursors (`stream()`) included.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import aiosqlite
from aiosqlite import (
    DatabaseError,
    Error,
    IntegrityError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    sqlite_version,
    sqlite_version_info,
)
from aiosqlite.context import contextmanager

__all__ = [
    "Connection",
    "Cursor",
    "DatabaseError",
    "Error",
    "GuardedStatement",
    "IntegrityError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "connect",
    "sqlite_version",
    "sqlite_version_info",
]

T = TypeVar("T")

Description = tuple[tuple[str, None, None, None, None, None, None], ...]


class _Outcome(NamedTuple):
    """Everything a statement left on its cursor, taken on the worker thread."""

    description: Description | None
    rows: list[Any]
    rowcount: int
    lastrowid: int | None


def _outcome(cursor: sqlite3.Cursor) -> _Outcome:
    try:
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return _Outcome(description, rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    return _outcome(connection.execute(sql, parameters))


def _executemany(connection: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    return _outcome(connection.executemany(sql, parameters))


def _executescript(connection: sqlite3.Connection, sql: str, _parameters: Any) -> _Outcome:
    return _outcome(connection.executescript(sql))


class GuardedStatement(NamedTuple):
    """One statement of a guarded run: SQL, positional parameters, the row count it must touch."""

    sql: str
    parameters: Sequence[Any]
    expect_rows: int | None = None


def run_guarded(
    connection: sqlite3.Connection, statements: Sequence[GuardedStatement]
) -> list[int]:
    """Run statements in order on this thread; stop after the first that misses its row count."""
    counts: list[int] = []
    for statement in statements:
        cursor = connection.execute(statement.sql, statement.parameters)
        count = cursor.rowcount
        cursor.close()
        counts.append(count)
        if statement.expect_rows is not None and count != statement.expect_rows:
            break
    return counts


class Cursor(aiosqlite.Cursor):
    """A cursor whose statements run and fetch in one job; results are read from memory."""

    def __init__(self, connection: Connection) -> None:
        # No sqlite3 cursor is held between jobs, so none is made here (aiosqlite's own
        # constructor would need one, made by a trip to the thread).
        self._conn = connection
        self.iter_chunk_size = connection._iter_chunk_size
        self._arraysize = 1
        self._result = _Outcome(None, [], -1, None)
        self._rows: deque[Any] = deque()

    async def _run(self, job: Any, sql: str, parameters: Any) -> Cursor:
        # `_execute` is aiosqlite's one way to queue work on the connection's thread; the
        # sqlite3 connection is read there, so a closed connection fails as aiosqlite's does.
        self._result = await self._conn._execute(  # type: ignore[no-untyped-call]
            lambda: job(self._conn._conn, sql, parameters)
        )
        self._rows = deque(self._result.rows)
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Cursor:
        """Run one statement and fetch all its rows, in one trip to the thread."""
        return await self._run(_execute, sql, () if parameters is None else parameters)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        """Run one statement for each parameter set, in one trip to the thread."""
        return await self._run(_executemany, sql, parameters)

    async def executescript(self, sql_script: str) -> Cursor:
        """Run a script of statements (returns no rows)."""
        return await self._run(_executescript, sql_script, None)

    async def fetchone(self) -> Any:
        """The next buffered row, or None."""
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        """Up to `size` (default `arraysize`) buffered rows."""
        count = min(self._arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Any]:
        """Every remaining buffered row."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        """Drop the buffered rows (the sqlite3 cursor was closed on the thread already)."""
        self._rows.clear()

    @property
    def rowcount(self) -> int:
        return self._result.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._result.lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def description(self) -> Description:
        # Typed as aiosqlite types it; like sqlite3's, it is None after a statement without rows.
        return self._result.description  # type: ignore[return-value]

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn._conn

    @property
    def row_factory(self) -> None:
        return None

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        # Rows are made on the worker thread by a cursor that lives for one job only.
        raise NotSupportedError("Set row_factory on the connection, not on a buffered cursor.")


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors cost no trip to open or close."""

    def _nothing_to_end(self) -> bool:
        # sqlite3 opens a transaction before the first write only, so a read-only unit of work
        # (most API requests) would otherwise pay a trip to the thread to end nothing. A closed
        # connection goes on to aiosqlite, which raises as it always has.
        return self._connection is not None and not self._connection.in_transaction

    async def commit(self) -> None:
        """Commit; with no transaction open (only reads ran) there is nothing to send."""
        if not self._nothing_to_end():
            await super().commit()

    async def rollback(self) -> None:
        """Roll back; with no transaction open there is nothing to send."""
        if not self._nothing_to_end():
            await super().rollback()

    async def execute_guarded(self, statements: Sequence[GuardedStatement]) -> list[int]:
        """Run statements in order in one trip; stop after the first that misses its row count.

        Returns the row count of each statement run. Nothing is committed or rolled back here:
        the statements join the connection's transaction (sqlite3 opens one before DML).
        """
        counts: list[int] = await self._execute(  # type: ignore[no-untyped-call]
            lambda: run_guarded(self._conn, statements)
        )
        return counts

    async def run_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the connection's thread, then commit, in one trip; roll back if it raises.

        `work` gets the sqlite3 connection and runs on that thread, so it must not touch the
        event loop. The connection must have no transaction open: this one is its own.
        """

        def job() -> T:
            connection = self._conn
            if connection.in_transaction:
                raise ProgrammingError(
                    "run_transaction needs a connection with no transaction open"
                )
            try:
                result = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return result

        result: T = await self._execute(job)  # type: ignore[no-untyped-call]
        return result

    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        """A buffered cursor (made on the event loop: it holds no sqlite3 cursor)."""
        return Cursor(self)


def connect(
    database: str | bytes | Path, *, iter_chunk_size: int = 64, **kwargs: Any
) -> Connection:
    """Like `aiosqlite.connect`: `kwargs` go to `sqlite3.connect` on the worker thread."""
    location = database.decode() if isinstance(database, bytes) else str(database)
    return Connection(partial(sqlite3.connect, location, **kwargs), iter_chunk_size)
