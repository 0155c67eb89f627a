"""Unique keys checked before writing, so a duplicate is a located problem, not a database error."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.entities import entity_table
from importers.prepare import PendingRow
from importers.report import ImportReport
from importers.sql import dialect_name, execute, one_of

# The directory's unique constraints besides ids (taxonomy names are made unique on insert).
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "taxonomy_term": ("taxonomy_id", "code"),
    "attribute": ("link_id", "taxonomy_term_id", "link_type"),
}
_IN_CHUNK = 2000


class Uniqueness:
    """Drops rows whose unique key another record already has, in the batch or in the hub."""

    session: AsyncSession
    report: ImportReport

    async def _unique_rows(self, entity: str, rows: list[PendingRow]) -> list[PendingRow]:
        columns = UNIQUE_KEYS.get(entity)
        if columns is None:
            return rows
        keyed: dict[tuple[Any, ...], str] = {}
        kept: list[PendingRow] = []
        for row in rows:
            key = tuple(row.values.get(c) for c in columns)
            # NULLs never clash in a unique index; a column absent from an update is unchanged.
            if any(v is None for v in key):
                kept.append(row)
                continue
            if keyed.setdefault(key, row.id) != row.id:
                self._duplicate(entity, row, columns)
                continue
            kept.append(row)
        taken = await self._taken(entity, columns, list(keyed))
        ids = {row.id for row in kept}
        out = []
        for row in kept:
            key = tuple(row.values.get(c) for c in columns)
            owner = taken.get(key)
            if owner is not None and owner != row.id and owner not in ids:
                self._duplicate(entity, row, columns)
                continue
            out.append(row)
        return out

    async def _taken(
        self, entity: str, columns: tuple[str, ...], keys: list[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], str]:
        if not keys:
            return {}
        table = entity_table(entity)
        dialect = await dialect_name(self.session)
        firsts = sorted({str(key[0]) for key in keys})
        wanted = set(keys)
        out: dict[tuple[Any, ...], str] = {}
        for start in range(0, len(firsts), _IN_CHUNK):
            statement = sa.select(table.c.id, *(table.c[c] for c in columns)).where(
                one_of(dialect, table.c[columns[0]], firsts[start : start + _IN_CHUNK])
            )
            for row in (await execute(self.session, statement)).all():
                found: tuple[Any, ...] = tuple(row[1:])
                if found in wanted:
                    out[found] = row[0]
        return out

    def _duplicate(self, entity: str, row: PendingRow, columns: tuple[str, ...]) -> None:
        shown = ", ".join(f"{c}={row.values.get(c)!r}" for c in columns if c.endswith("code"))
        detail = f" ({shown})" if shown else ""
        self.report.problem(
            row.origin,
            columns[-1],
            f"another {entity} already has this {' + '.join(columns)}{detail}",
        )
        self.report.skip(entity, "duplicate of another record")
