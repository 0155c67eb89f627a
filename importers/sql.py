"""Core SQL on the session's own connection (same transaction), without ORM overhead."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(
    session: AsyncSession, statement: Executable, params: list[dict[str, Any]] | None = None
) -> Result[Any]:
    """Run a Core statement (executemany with a list of params) in the session's transaction."""
    connection = await session.connection()
    if params is None:
        return await connection.execute(statement)
    return await connection.execute(statement, params)
