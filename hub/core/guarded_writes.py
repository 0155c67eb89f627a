"""Several Core writes as one unit: on SQLite one trip to the driver's thread, elsewhere in turn.

A hot write path (a referral transition: version-checked UPDATE, history row, outbox row) pays
SQLAlchemy's per-statement execution pipeline three times. Here each statement is compiled
once per dialect and its parameters go through the columns' own bind processors, so the rows
are exactly what `Connection.execute` would write; on the buffered SQLite driver the whole run
is one job on the connection's thread. A step may name the row count it must touch; the run
stops after a step that misses it, so a lost version race writes nothing after the UPDATE.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.util import await_

from hub.core import sqlite_driver


@dataclass(frozen=True, slots=True)
class WriteStep:
    """One statement with its parameters; `expect_rows` (if set) is the row count it must touch."""

    statement: UpdateBase
    parameters: Mapping[str, Any]
    expect_rows: int | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def positional(self, parameters: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = parameters[name]
            values.append(value if process is None else process(value))
        return tuple(values)


@functools.lru_cache(maxsize=256)
def _plan(statement: UpdateBase, keys: tuple[str, ...], dialect: sa.Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    missing = set(binds) - set(keys)
    if missing:
        # Column defaults are filled in by SQLAlchemy's execution context, which is skipped
        # here: every value must be given.
        raise ValueError(f"guarded write without values for {sorted(missing)}: {compiled}")
    processors = tuple(
        binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return _Plan(compiled.string, names, processors)


def execute_guarded(connection: sa.Connection, steps: Sequence[WriteStep]) -> list[int]:
    """Run `steps` in order in the connection's transaction; return the row count of each run.

    Only UPDATE and DELETE counts are portable (an INSERT may report -1 on PostgreSQL).
    For synchronous code inside `AsyncSession.run_sync`. Stops after the first step whose row
    count is not its `expect_rows`.
    """
    dialect = connection.dialect
    # Planned on every database, so a step missing a value fails the same way everywhere
    # (`Connection.execute` would quietly fill in column defaults); plans are cached.
    plans = [_plan(step.statement, tuple(sorted(step.parameters)), dialect) for step in steps]
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite_driver.Connection):
        return _execute_in_turn(connection, steps)
    statements = [
        sqlite_driver.GuardedStatement(plan.sql, plan.positional(step.parameters), step.expect_rows)
        for plan, step in zip(plans, steps, strict=True)
    ]
    try:
        return await_(driver.execute_guarded(statements))
    except sqlite3.Error as error:
        # Raised as `Connection.execute` would raise it, so callers catch the same errors.
        raise DBAPIError.instance(
            "; ".join(s.sql for s in statements), None, error, sqlite3.Error
        ) from error


def _execute_in_turn(connection: sa.Connection, steps: Sequence[WriteStep]) -> list[int]:
    counts: list[int] = []
    for step in steps:
        count = connection.execute(step.statement, dict(step.parameters)).rowcount
        counts.append(count)
        if step.expect_rows is not None and count != step.expect_rows:
            break
    return counts
