"""Collects generated rows per table and writes them with one executemany per table."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def seeded_id(rng: random.Random) -> str:
    """A UUID4-shaped id drawn from the demo's seeded generator (same seed, same ids)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Rows:
    """Rows in insertion order, grouped by table; models fill in their own defaults."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._order: list[type[SQLModel]] = []

    def add(self, model: type[SQLModel], **values: Any) -> str:
        """Add one row (an id is drawn when the table has one and none is given); return its id."""
        if "id" in model.model_fields and "id" not in values:
            values["id"] = seeded_id(self.rng)
        fields = model.model_fields
        unknown = set(values) - set(fields)
        if unknown:
            raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
        # Every row of a table gets the same keys (executemany needs that), defaults filled in;
        # building model instances would be several times slower for ~10,000 rows.
        row = {
            name: values[name] if name in values else info.get_default(call_default_factory=True)
            for name, info in fields.items()
        }
        if model not in self._order:
            self._order.append(model)
        self._rows[str(model.__tablename__)].append(row)
        return str(values.get("id", ""))

    def count(self, model: type[SQLModel]) -> int:
        """Rows collected for a model's table."""
        return len(self._rows.get(str(model.__tablename__), ()))

    async def write(
        self, session: AsyncSession, *, progress: Callable[[int], None] | None = None
    ) -> None:
        """Insert everything, parents first, in the session's transaction."""
        tables = SQLModel.metadata.tables
        names = {str(m.__tablename__) for m in self._order}
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:  # foreign-key order
            if table.name not in names:
                continue
            rows = self._rows[table.name]
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                await connection.execute(sa.insert(tables[table.name]), chunk)
                if progress is not None:
                    progress(len(chunk))

    @property
    def total(self) -> int:
        """All rows collected."""
        return sum(len(v) for v in self._rows.values())
