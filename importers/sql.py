"""Core SQL on the session's own connection (same transaction), without ORM overhead."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Result
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(
    session: AsyncSession, statement: Executable, params: list[dict[str, Any]] | None = None
) -> Result[Any]:
    """Run a Core statement (executemany with a list of params) in the session's transaction."""
    connection = await session.connection()
    if params is None:
        return await connection.execute(statement)
    return await connection.execute(statement, params)


async def dialect_name(session: AsyncSession) -> str:
    """The database the session's transaction runs on ("sqlite", "postgresql")."""
    return (await session.connection()).dialect.name


def one_of(dialect: str, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN (values)` for string keys, bound as one parameter where the database can.

    A plain IN list binds (and SQLAlchemy renders) one parameter per value, which costs an
    import more CPU than the lookup itself: SQLite reads a JSON array (json_each), PostgreSQL an
    array (= ANY). Either way the key's index is used.
    """
    if dialect == "sqlite":
        items = sa.func.json_each(sa.literal(json.dumps(list(values)), sa.String)).table_valued(
            "value"
        )
        return column.in_(sa.select(items.c.value))  # type: ignore[no-any-return]
    if dialect == "postgresql":
        array = sa.literal(list(values), sa.ARRAY(sa.String))
        return column == sa.any_(array)  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
