"""Portable atomic writes: INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_ignore(
    session: AsyncSession, table: sa.Table, values: dict[str, Any], conflict: list[str]
) -> bool:
    """Insert a row unless one with the same `conflict` columns exists; True when inserted."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        # rowcount is -1 here with psycopg 3; RETURNING says for sure whether a row went in.
        .returning(*[table.c[name] for name in conflict])
    )
    result = await session.exec(statement)
    return result.first() is not None


async def update_count(session: AsyncSession, statement: sa.Update) -> int:
    """Run an UPDATE and return how many rows it changed (conditional updates as claims)."""
    result: CursorResult[Any] = await session.exec(
        statement.execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
