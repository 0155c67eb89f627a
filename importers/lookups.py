"""Batched lookups and key bookkeeping of the upsert, on the session's connection."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.bulk import execute_many, insert_statement
from importers.models import ImportKey
from importers.prepare import PendingRow
from importers.sql import dialect_name, execute, one_of

KEYS: sa.Table = ImportKey.__table__  # type: ignore[attr-defined]
# Ids per lookup query: one bound parameter each (sql.one_of), so a whole batch fits.
_IN_CHUNK = 2000
# Entities a complete import deactivates when they are missing from it.
TRACKED = ("organization", "service", "location")
# The content hash of a deactivated record's key: never a digest, so a record that comes back
# is always compared with the hub's row (and its service reactivated).
DEACTIVATED = "deactivated"


@cache
def _key_update() -> sa.Update:
    # Bind names differ from the column names: an UPDATE's SET claims those.
    return (
        sa.update(KEYS)
        .where(
            KEYS.c.source == sa.bindparam("k_source"),
            KEYS.c.entity == sa.bindparam("k_entity"),
            KEYS.c.external_id == sa.bindparam("k_external_id"),
        )
        .values(content_hash=sa.bindparam("k_hash"), imported_at=sa.bindparam("k_at"))
    )


class Lookups:
    """Existence checks, current rows and import keys, a chunk of ids per query."""

    session: AsyncSession
    source: str
    _grown: Counter[str]

    async def _existing_ids(self, table: sa.Table, ids: list[str]) -> set[str]:
        out: set[str] = set()
        dialect = await dialect_name(self.session)
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            statement = sa.select(table.c.id).where(one_of(dialect, table.c.id, chunk))
            out.update((await execute(self.session, statement)).scalars().all())
        return out

    async def _existing_rows(self, table: sa.Table, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        dialect = await dialect_name(self.session)
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            statement = sa.select(table).where(one_of(dialect, table.c.id, chunk))
            result = await execute(self.session, statement)
            for mapping in result.mappings().all():
                out[mapping["id"]] = dict(mapping)
        return out

    async def _known_keys(self, entity: str, external_ids: list[str]) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        dialect = await dialect_name(self.session)
        for start in range(0, len(external_ids), _IN_CHUNK):
            chunk = external_ids[start : start + _IN_CHUNK]
            result = await execute(
                self.session,
                sa.select(KEYS.c.external_id, KEYS.c.internal_id, KEYS.c.content_hash).where(
                    KEYS.c.source == self.source,
                    KEYS.c.entity == entity,
                    one_of(dialect, KEYS.c.external_id, chunk),
                ),
            )
            for key in result.mappings().all():
                out[key["external_id"]] = (key["internal_id"], key["content_hash"])
        return out

    async def _save_keys(
        self,
        entity: str,
        rows: list[PendingRow],
        hashes: dict[str, str],
        known: dict[str, tuple[str, str]],
        now: datetime,
    ) -> None:
        new = [
            {
                "external_id": row.external_id,
                "internal_id": row.id,
                "content_hash": hashes[row.external_id],
            }
            for row in rows
            if row.external_id not in known
        ]
        shared = {"source": self.source, "entity": entity, "imported_at": now}
        if new:
            await execute_many(self.session, insert_statement(KEYS), new, shared)
            self._grown[KEYS.name] += len(new)
        changed = [
            {"k_external_id": row.external_id, "k_hash": hashes[row.external_id]}
            for row in rows
            if row.external_id in known
        ]
        if changed:
            keys = {"k_source": self.source, "k_entity": entity, "k_at": now}
            await execute_many(self.session, _key_update(), changed, keys)

    async def _stamp_seen(self, entity: str, external_ids: set[str], stamp: datetime) -> None:
        """Mark keys as seen by this run (records read but unchanged, or skipped as invalid)."""
        ids = sorted(external_ids)
        dialect = await dialect_name(self.session)
        for start in range(0, len(ids), _IN_CHUNK):
            await execute(
                self.session,
                sa.update(KEYS)
                .where(
                    KEYS.c.source == self.source,
                    KEYS.c.entity == entity,
                    one_of(dialect, KEYS.c.external_id, ids[start : start + _IN_CHUNK]),
                    KEYS.c.imported_at < stamp,
                )
                .values(imported_at=stamp),
            )
