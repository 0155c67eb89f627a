"""Several Core writes as one unit: on SQLite one trip to the driver's thread, elsewhere in turn.

A hot write path (a referral transition: version-checked UPDATE, history row, outbox row) pays
SQLAlchemy's per-statement execution pipeline three times. Here each statement is compiled
once per dialect and its parameters go through the columns' own bind processors, so the rows
are exactly what `Connection.execute` would write; on the buffered SQLite driver the whole run
is one job on the connection's thread. A step may name the row count it must touch; the run
stops after a step that misses it, so a lost version race writes nothing after the UPDATE.
Plans also carry a SELECT's result converters, for `hub.core.unit_of_work`, which reads rows
straight from sqlite3 on the driver's thread.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.util import await_

from hub.core import sqlite_driver


@dataclass(frozen=True, slots=True)
class WriteStep:
    """One statement with its parameters; `expect_rows` (if set) is the row count it must touch."""

    statement: UpdateBase
    parameters: Mapping[str, Any]
    expect_rows: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A statement compiled for one dialect: its SQL, how to bind values, how to read rows."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    # Result columns (a SELECT's): names and the converters SQLAlchemy's result would apply.
    keys: tuple[str, ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def positional(self, parameters: Mapping[str, Any]) -> tuple[Any, ...]:
        """The statement's parameters in order, each through its column type's bind processor."""
        values = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = parameters[name]
            values.append(value if process is None else process(value))
        return tuple(values)


@functools.lru_cache(maxsize=256)
def plan(statement: ClauseElement, keys: tuple[str, ...], dialect: sa.Dialect) -> Plan:
    """Compile a statement with named bind parameters `keys` once per dialect (cached)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    missing = set(binds) - set(keys)
    if missing:
        # Column defaults are filled in by SQLAlchemy's execution context, which is skipped
        # here: every value must be given.
        raise ValueError(f"planned statement without values for {sorted(missing)}: {compiled}")
    processors = tuple(
        binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    columns = compiled._result_columns or []
    return Plan(
        sql=compiled.string,
        names=names,
        processors=processors,
        keys=tuple(column.keyname for column in columns),
        results=tuple(column.type._cached_result_processor(dialect, None) for column in columns),
    )


def execute_guarded(connection: sa.Connection, steps: Sequence[WriteStep]) -> list[int]:
    """Run `steps` in order in the connection's transaction; return the row count of each run.

    Only UPDATE and DELETE counts are portable (an INSERT may report -1 on PostgreSQL).
    For synchronous code inside `AsyncSession.run_sync`. Stops after the first step whose row
    count is not its `expect_rows`.
    """
    plans = _plans(steps, connection.dialect)
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite_driver.Connection):
        return _execute_in_turn(connection, steps)
    statements = _bound(plans, steps)
    try:
        return await_(driver.execute_guarded(statements))
    except sqlite3.Error as error:
        raise database_error("; ".join(s.sql for s in statements), error) from error


def run_guarded_plans(
    connection: sqlite3.Connection, steps: Sequence[WriteStep], dialect: sa.Dialect
) -> list[int]:
    """`execute_guarded` straight on a sqlite3 connection, on its own thread (no trip)."""
    statements = _bound(_plans(steps, dialect), steps)
    try:
        return sqlite_driver.run_guarded(connection, statements)
    except sqlite3.Error as error:
        raise database_error("; ".join(s.sql for s in statements), error) from error


def database_error(sql: str, error: sqlite3.Error) -> StatementError:
    """A sqlite3 error as `Connection.execute` would raise it, so callers catch the same errors."""
    return DBAPIError.instance(sql, None, error, sqlite3.Error)


def _plans(steps: Sequence[WriteStep], dialect: sa.Dialect) -> list[Plan]:
    # Planned on every database, so a step missing a value fails the same way everywhere
    # (`Connection.execute` would quietly fill in column defaults); plans are cached.
    return [plan(step.statement, tuple(sorted(step.parameters)), dialect) for step in steps]


def _bound(plans: list[Plan], steps: Sequence[WriteStep]) -> list[sqlite_driver.GuardedStatement]:
    return [
        sqlite_driver.GuardedStatement(
            compiled.sql, compiled.positional(step.parameters), step.expect_rows
        )
        for compiled, step in zip(plans, steps, strict=True)
    ]


def _execute_in_turn(connection: sa.Connection, steps: Sequence[WriteStep]) -> list[int]:
    counts: list[int] = []
    for step in steps:
        count = connection.execute(step.statement, dict(step.parameters)).rowcount
        counts.append(count)
        if step.expect_rows is not None and count != step.expect_rows:
            break
    return counts
