"""Deactivate what a complete import of a source no longer contains (never delete it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from importers.bulk import execute_many, insert_statement
from importers.changes import BatchChanges
from importers.entities import entity_table
from importers.lookups import DEACTIVATED, KEYS, TRACKED
from importers.report import ImportReport
from importers.sql import execute
from providers.models import Metadata
from providers.models.enums import ServiceStatus

METADATA: sa.Table = Metadata.__table__  # type: ignore[attr-defined]
_CHUNK = 500


class Deactivation:
    """Finds keys of the source this run did not see and makes their records inactive.

    Services get `status = inactive` (search and the HSDS facade serve active services only).
    HSDS 3.0 has no status for organizations and locations, nor has the hub: they are marked
    deactivated in `import_key` and in the change log; their services, gone from the source
    too, are deactivated with them.
    """

    session: AsyncSession
    source: str
    clock: Clock
    report: ImportReport
    stamp: datetime
    seen_entities: set[str]
    changes: BatchChanges

    def _log(
        self, entity: str, rid: str, now: datetime, action: str, name: str, old: Any, new: Any
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def publish(self) -> None:
        """Write the outbox events of what changed (provided by the upserter)."""
        raise NotImplementedError

    async def deactivate_missing(self) -> None:
        """Deactivate records of this source that earlier imports saw and this one did not."""
        for entity in TRACKED:
            if entity not in self.seen_entities:
                # A package without this file (or JSON without these objects) says nothing
                # about them: deactivating every one would be wrong.
                if await self._has_keys(entity):
                    self.report.notes.append(
                        f"no {entity} records in this import: existing ones left as they are"
                    )
                continue
            while keys := await self._missing_keys(entity):
                await self._deactivate(entity, keys)
        await self.publish()

    async def _has_keys(self, entity: str) -> bool:
        result = await execute(
            self.session,
            sa.select(KEYS.c.external_id)
            .where(KEYS.c.source == self.source, KEYS.c.entity == entity)
            .limit(1),
        )
        return result.first() is not None

    async def _missing_keys(self, entity: str) -> list[tuple[str, str]]:
        result = await execute(
            self.session,
            sa.select(KEYS.c.external_id, KEYS.c.internal_id)
            .where(
                KEYS.c.source == self.source,
                KEYS.c.entity == entity,
                KEYS.c.imported_at < self.stamp,
                KEYS.c.content_hash != DEACTIVATED,
            )
            .order_by(KEYS.c.external_id)
            .limit(_CHUNK),
        )
        return [(str(row.external_id), str(row.internal_id)) for row in result.all()]

    async def _deactivate(self, entity: str, keys: list[tuple[str, str]]) -> None:
        table = entity_table(entity)
        ids = [rid for _ext, rid in keys]
        columns = (
            [table.c.id, table.c.status, table.c.version] if entity == "service" else [table.c.id]
        )
        rows = (await execute(self.session, sa.select(*columns).where(table.c.id.in_(ids)))).all()
        now = self.clock.now()
        log: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for row in rows:
            previous = "active"
            if entity == "service":
                if row.status == ServiceStatus.INACTIVE:
                    continue  # already inactive (the source said so, or an editor did)
                previous = ServiceStatus(row.status).value
                updates.append({"row_id": row.id, "v_version": int(row.version or 1) + 1})
                self.changes.note("service", row.id, {}, created=False)
            elif entity == "location":
                self.changes.note("location", row.id, {}, created=False)
            log.append(self._log(entity, row.id, now, "deactivate", "status", previous, "inactive"))
        if updates:
            await execute(
                self.session,
                sa.update(table)
                .where(table.c.id == sa.bindparam("row_id"))
                .values(
                    status=ServiceStatus.INACTIVE,
                    version=sa.bindparam("v_version"),
                    updated_at=now,
                ),
                updates,
            )
        if log:
            await execute_many(self.session, insert_statement(METADATA), log)
        self.report.entity(entity).deactivated += len(log)
        await execute(
            self.session,
            sa.update(KEYS)
            .where(
                KEYS.c.source == self.source,
                KEYS.c.entity == entity,
                KEYS.c.external_id.in_([ext for ext, _rid in keys]),
            )
            .values(content_hash=DEACTIVATED, imported_at=self.stamp),
        )
