"""Executemany of Core INSERT/UPDATE statements with the bind conversion done once per batch.

SQLAlchemy's executemany rebuilds each row's parameters bind by bind (defaults, type
processors: every timestamp formatted again) — a third of an import's CPU. A `Plan` compiles the
statement once per dialect with the same compiler and the same type processors, converts the
values that are the same for every row (`fixed`: the run's timestamp, the source) once, and hands
the driver ready tuples through `exec_driver_sql`. Whatever a plan cannot reproduce exactly
(Python-side column defaults, expanding IN parameters) goes through Core execute unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel.ext.asyncio.session import AsyncSession

_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """A statement compiled for one dialect and one set of keys, with its bind processors."""

    sql: str
    names: tuple[str, ...]  # bind names, in the driver's order
    processors: dict[str, _Processor]
    constants: dict[str, Any]  # binds the statement itself carries (WHERE source = ...)
    positional: bool
    # Binds of custom types, whose processor sees None too; SQLAlchemy's own keep None as None.
    decorated: frozenset[str]

    def params(self, rows: Sequence[Mapping[str, Any]], fixed: Mapping[str, Any]) -> list[Any]:
        """Driver parameters of every row: tuples (qmark, numeric) or dicts (pyformat)."""
        shared = {**self.constants, **fixed}
        shared = {
            name: self.processors[name](value) if name in self.processors else value
            for name, value in shared.items()
        }
        converted = [
            (name, processor) for name, processor in self.processors.items() if name not in shared
        ]
        pick = itemgetter(*self.names)
        out: list[Any] = []
        for row in rows:
            merged = {**row, **shared} if shared else dict(row)
            for name, processor in converted:
                value = merged[name]
                if value is not None or name in self.decorated:
                    merged[name] = processor(value)
            if self.positional:
                values = pick(merged)
                out.append(values if len(self.names) > 1 else (values,))
            else:
                out.append({name: merged[name] for name in self.names})
        return out


@cache
def insert_statement(table: sa.Table) -> sa.Insert:
    """One INSERT object per table, so its compiled plan is reused."""
    return sa.insert(table)


@cache
def update_by_id(table: sa.Table, columns: tuple[str, ...]) -> sa.Update:
    """UPDATE table SET column = :v_column ... WHERE id = :row_id, one object per column set."""
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"v_{name}") for name in columns})
    )


# Keyed by the statement object itself (kept alive, so never confused with a new one).
_plans: dict[tuple[UpdateBase, str, tuple[str, ...]], Plan | None] = {}
_MAX_PLANS = 256


def _plan(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> Plan | None:
    cache_key = (statement, dialect.name, keys)
    if cache_key in _plans:
        return _plans[cache_key]
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()  # statements built per call (not via the helpers below) stay bounded
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    plan: Plan | None = None
    # Columns left out that have a Python-side default: a constant one (service.version = 1)
    # is a shared value; a callable one is Core's to run per row.
    defaults: dict[str, Any] = {}
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        default = column.onupdate if column in compiled.update_prefetch else column.default
        if default is None or not default.is_scalar:
            defaults = {"": None}  # not reproducible here
            break
        defaults[column.key] = default.arg
    if not (
        "" in defaults
        or compiled.post_compile_params
        or compiled.literal_execute_params
        or getattr(compiled, "escaped_bind_names", None)
    ):
        binds: dict[str, Any] = compiled.binds
        names = tuple(compiled.positiontup) if dialect.positional else tuple(binds)
        processors: dict[str, _Processor] = {}
        constants: dict[str, Any] = {}
        for name in names:
            bind = binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if name in defaults:
                constants[name] = defaults[name]
            elif name not in keys:
                if bind.required:
                    break  # a value nobody supplies: let Core raise its own error
                constants[name] = bind.effective_value
        else:
            decorated = frozenset(
                name for name in processors if isinstance(binds[name].type, sa.TypeDecorator)
            )
            plan = Plan(
                compiled.string, names, processors, constants, dialect.positional, decorated
            )
    _plans[cache_key] = plan
    return plan


async def execute_many(
    session: AsyncSession,
    statement: UpdateBase,
    rows: Sequence[Mapping[str, Any]],
    fixed: Mapping[str, Any] | None = None,
) -> None:
    """Run `statement` once per row (same keys in every row), `fixed` values shared by all."""
    if not rows:
        return
    fixed = fixed or {}
    connection = await session.connection()
    keys = tuple(rows[0]) + tuple(name for name in fixed if name not in rows[0])
    plan = _plan(statement, connection.dialect, keys)
    params = None
    if plan is not None:
        try:
            params = plan.params(rows, fixed)
        except KeyError:
            params = None  # rows with differing keys: Core reports it as it always did
    if plan is None or params is None:
        await connection.execute(statement, [{**row, **fixed} for row in rows])
        return
    await connection.exec_driver_sql(plan.sql, params)
