"""Batched lookups and key bookkeeping of the upsert, on the session's connection."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.models import ImportKey
from importers.prepare import PendingRow
from importers.sql import execute

KEYS: sa.Table = ImportKey.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 500
# Entities a complete import deactivates when they are missing from it.
TRACKED = ("organization", "service", "location")
# The content hash of a deactivated record's key: never a digest, so a record that comes back
# is always compared with the hub's row (and its service reactivated).
DEACTIVATED = "deactivated"


class Lookups:
    """Existence checks, current rows and import keys, a chunk of ids per query."""

    session: AsyncSession
    source: str
    _grown: Counter[str]

    async def _existing_ids(self, table: sa.Table, ids: list[str]) -> set[str]:
        out: set[str] = set()
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            result = await execute(self.session, sa.select(table.c.id).where(table.c.id.in_(chunk)))
            out.update(result.scalars())
        return out

    async def _existing_rows(self, table: sa.Table, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            result = await execute(self.session, sa.select(table).where(table.c.id.in_(chunk)))
            for mapping in result.mappings():
                out[mapping["id"]] = dict(mapping)
        return out

    async def _known_keys(self, entity: str, external_ids: list[str]) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(external_ids), _IN_CHUNK):
            chunk = external_ids[start : start + _IN_CHUNK]
            result = await execute(
                self.session,
                sa.select(KEYS.c.external_id, KEYS.c.internal_id, KEYS.c.content_hash).where(
                    KEYS.c.source == self.source,
                    KEYS.c.entity == entity,
                    KEYS.c.external_id.in_(chunk),
                ),
            )
            for key in result.mappings():
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
                "source": self.source,
                "entity": entity,
                "external_id": row.external_id,
                "internal_id": row.id,
                "content_hash": hashes[row.external_id],
                "imported_at": now,
            }
            for row in rows
            if row.external_id not in known
        ]
        if new:
            await execute(self.session, sa.insert(KEYS), new)
            self._grown[KEYS.name] += len(new)
        changed = [
            {"k_ext": row.external_id, "k_hash": hashes[row.external_id]}
            for row in rows
            if row.external_id in known
        ]
        if changed:
            statement = (
                sa.update(KEYS)
                .where(
                    KEYS.c.source == self.source,
                    KEYS.c.entity == entity,
                    KEYS.c.external_id == sa.bindparam("k_ext"),
                )
                .values(content_hash=sa.bindparam("k_hash"), imported_at=now)
            )
            await execute(self.session, statement, changed)

    async def _stamp_seen(self, entity: str, external_ids: set[str], stamp: datetime) -> None:
        """Mark keys as seen by this run (records read but unchanged, or skipped as invalid)."""
        ids = sorted(external_ids)
        for start in range(0, len(ids), _IN_CHUNK):
            await execute(
                self.session,
                sa.update(KEYS)
                .where(
                    KEYS.c.source == self.source,
                    KEYS.c.entity == entity,
                    KEYS.c.external_id.in_(ids[start : start + _IN_CHUNK]),
                    KEYS.c.imported_at < stamp,
                )
                .values(imported_at=stamp),
            )
