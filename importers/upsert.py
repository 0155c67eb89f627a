"""Batched upsert by (source, entity, external id): create, update what changed, or skip."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.events import record_events
from hub.core.ids import new_id
from importers.batch_order import merge_duplicates, parents_first
from importers.bulk import execute_many, insert_statement, update_by_id
from importers.changes import BatchChanges
from importers.crosswalk import Crosswalk
from importers.deactivate import Deactivation
from importers.entities import ENTITY_ORDER, comparable, defaults, entity_table
from importers.lookups import DEACTIVATED, KEYS, TRACKED
from importers.prepare import PendingRow, Validation
from importers.records import Record
from importers.references import References
from importers.report import ImportReport, Origin
from importers.sql import execute
from importers.uniques import Uniqueness
from providers.models import Metadata

METADATA: sa.Table = Metadata.__table__  # type: ignore[attr-defined]
_ANALYZE_AFTER_ROWS = 1000
_PROGRESS_STEP = 250


# The same text as json.dumps(..., sort_keys=True), so stored hashes stay valid, without
# building an encoder per call.
_HASH_JSON = json.JSONEncoder(sort_keys=True, check_circular=False)
_PLAIN = frozenset({str, int, bool, type(None)})  # exact types comparable() returns unchanged


def content_hash(values: dict[str, Any]) -> str:
    """A digest of a record's values, to tell unchanged records without reading them."""
    plain = _PLAIN
    text = _HASH_JSON.encode(
        {k: v if type(v) in plain else comparable(v) for k, v in values.items()}
    )
    return hashlib.sha256(text.encode()).hexdigest()


class RejectedBatch(Exception):
    """The database refused a batch: which entity, from which row to which."""

    def __init__(self, entity: str, first: Origin, last: Origin) -> None:
        super().__init__(entity)
        self.entity, self.first, self.last = entity, first, last


class Upserter(Validation, References, Uniqueness, Deactivation):
    """Writes records in batches inside the caller's transaction and counts what happened."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        source: str,
        clock: Clock,
        report: ImportReport,
        actor_name: str,
        crosswalk: Crosswalk | None = None,
        batch_size: int = 1000,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.clock = clock
        self.report = report
        self.actor_name = actor_name
        self.crosswalk = crosswalk
        self.batch_size = batch_size
        self.on_progress = on_progress
        self._unreported = 0  # records read but not yet counted on the progress bar
        self.buffers: dict[str, list[PendingRow]] = {entity: [] for entity in ENTITY_ORDER}
        self.buffered = 0
        self.to_geocode: list[str] = []
        self._noted_fields: set[tuple[str, str]] = set()
        self.changes = BatchChanges()
        # When this run saw a record (import_key.imported_at): records of the source not seen
        # by a complete import are the ones it deactivates. Set by `start()`.
        self.stamp = clock.now()
        # External ids of tracked entities read since the last flush, written or not.
        self._seen: dict[str, set[str]] = {entity: set() for entity in TRACKED}
        self.seen_entities: set[str] = set()
        self._grown: Counter[str] = Counter()  # rows inserted per table since the last ANALYZE
        self._flushes = 0
        self._analyze_at = 1

    async def start(self) -> None:
        """Pick this run's stamp: after any earlier import of the source, even on clock ties."""
        result = await execute(
            self.session,
            sa.select(sa.func.max(KEYS.c.imported_at)).where(KEYS.c.source == self.source),
        )
        last = result.scalar_one_or_none()
        if last is not None and last >= self.stamp:
            self.stamp = last + timedelta(microseconds=1)

    async def add(self, record: Record) -> None:
        """Validate one record and queue it; full batches are written at once."""
        if self.on_progress is not None:
            # A progress bar update costs more than validating a record: report in steps.
            self._unreported += 1
            if self._unreported >= _PROGRESS_STEP:
                self.on_progress(self._unreported)
                self._unreported = 0
        if record.entity in TRACKED and record.external_id:
            # Seen even when invalid below: a record still in the source is never deactivated.
            self._seen[record.entity].add(record.external_id)
            self.seen_entities.add(record.entity)
        row = self._prepare(record)
        if row is not None:
            self.buffers[row.entity].append(row)
            self.buffered += 1
        if self.crosswalk is not None:
            for extra in self.crosswalk.expand(record):
                row = self._prepare(extra)
                if row is not None:
                    self.buffers[row.entity].append(row)
                    self.buffered += 1
        if self.buffered >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        """Write every queued batch, parents first, then the batch's outbox events."""
        if self.on_progress is not None and self._unreported:
            self.on_progress(self._unreported)
            self._unreported = 0
        for entity in ENTITY_ORDER:
            rows = self.buffers[entity]
            if rows:
                self.buffers[entity] = []
                try:
                    await self._write(entity, rows)
                except DBAPIError as exc:
                    # Every known constraint is checked before writing; should one still be
                    # missed, say at least which records the database refused.
                    raise RejectedBatch(entity, rows[0].origin, rows[-1].origin) from exc
        self.buffered = 0
        if self.report.complete:
            for entity, seen in self._seen.items():
                await self._stamp_seen(entity, seen, self.stamp)
        for seen in self._seen.values():
            seen.clear()
        await self.publish()
        self._flushes += 1
        if self._flushes == self._analyze_at:
            self._analyze_at *= 2
            await self._refresh_statistics()

    async def _refresh_statistics(self) -> None:
        # PostgreSQL plans from table statistics: tables this import grew from (nearly) empty
        # still look empty, and key lookups degrade into scanning every key of the source
        # (quadratic: 161 services/s at 20k). ANALYZE counts this transaction's own rows; run
        # after flushes 1, 2, 4, 8 ... it costs a few samples per import. SQLite needs none.
        connection = await self.session.connection()
        if connection.dialect.name != "postgresql":
            return
        for name, rows in sorted(self._grown.items()):
            if rows >= _ANALYZE_AFTER_ROWS:  # a few rows more change no plan
                await connection.execute(sa.text(f'ANALYZE "{name}"'))
                del self._grown[name]

    async def publish(self) -> None:
        """Write the outbox events of what changed since the last call."""
        if self.changes:
            changes, self.changes = self.changes, BatchChanges()
            await record_events(self.session, await changes.events(self.session, self.source))

    # -- writing ------------------------------------------------------------------------------

    async def _write(self, entity: str, rows: list[PendingRow]) -> None:
        rows = await self._check_references(entity, merge_duplicates(rows))
        if not rows:
            return
        if entity in ("taxonomy_term", "organization"):
            rows = parents_first(rows, self.report)
        hashes = {row.external_id: content_hash(row.values) for row in rows}
        known = await self._known_keys(entity, [row.external_id for row in rows])
        counts = self.report.entity(entity)
        pending = []
        for row in rows:
            key = known.get(row.external_id)
            if key is not None and key[1] == hashes[row.external_id]:
                counts.unchanged += 1
            else:
                pending.append(row)
        pending = await self._unique_rows(entity, pending)
        if not pending:
            return
        seen = self._seen.get(entity)
        if seen:
            seen.difference_update(row.external_id for row in pending)  # stamped with the key
        table = entity_table(entity)
        existing = await self._existing_rows(table, [row.id for row in pending])
        now = self.clock.now()
        base = defaults(entity)
        inserts: list[dict[str, Any]] = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        log: list[dict[str, Any]] = []
        for row in pending:
            old = existing.get(row.id)
            if old is None:
                inserts.append({**base, **row.values, "id": row.id})
                counts.created += 1
                self.changes.note(entity, row.id, row.values, created=True)
                if entity == "location" and "latitude" not in row.values:
                    self.to_geocode.append(row.id)
                continue
            changes = {
                name: value
                for name, value in row.values.items()
                if comparable(old.get(name)) != comparable(value)
            }
            if entity == "taxonomy" and old.get("name") == f"{changes.get('name')} ({self.source})":
                del changes["name"]  # kept apart under a qualified name on first import
            if known.get(row.external_id, ("", ""))[1] == DEACTIVATED and entity != "service":
                # Back in the source after a complete import missed it (services: via status).
                log.append(
                    self._log(entity, row.id, now, "reactivate", "status", "inactive", "active")
                )
                if not changes:
                    counts.updated += 1
                    continue
            if not changes:
                counts.unchanged += 1
                continue
            for name, value in changes.items():
                log.append(self._log(entity, row.id, now, "update", name, old.get(name), value))
            changes["updated_at"] = now
            version = None
            if "version" in table.c:
                version = int(old.get("version") or 1) + 1
                changes["version"] = version
            bound = {"row_id": row.id, **{f"v_{k}": v for k, v in changes.items()}}
            updates.setdefault(tuple(sorted(changes)), []).append(bound)
            counts.updated += 1
            self.changes.note(entity, row.id, row.values, created=False, version=version)
            if entity == "location" and old.get("latitude") is None and "latitude" not in changes:
                self.to_geocode.append(row.id)
        if inserts and entity == "taxonomy":
            await self._unique_taxonomy_names(table, inserts)
        if inserts:
            stamps = {"created_at": now, "updated_at": now}
            await execute_many(self.session, insert_statement(table), inserts, stamps)
            self._grown[table.name] += len(inserts)
        for columns, params in updates.items():
            # One executemany per set of changed columns instead of one UPDATE per record.
            await execute_many(self.session, update_by_id(table, columns), params)
        if log:
            await execute_many(self.session, insert_statement(METADATA), log)
        await self._save_keys(entity, pending, hashes, known, self.stamp)

    async def _unique_taxonomy_names(self, table: sa.Table, inserts: list[dict[str, Any]]) -> None:
        # Taxonomy names are unique in the hub: another source's "Open Eligibility" with its
        # own id is kept apart under a qualified name rather than failing the import.
        names = [row["name"] for row in inserts]
        taken = await execute(self.session, sa.select(table.c.name).where(table.c.name.in_(names)))
        clash = set(taken.scalars())
        for row in inserts:
            if row["name"] in clash:
                renamed = f"{row['name']} ({self.source})"
                self.report.notes.append(f"taxonomy {row['name']!r} exists; kept as {renamed!r}")
                row["name"] = renamed

    def _log(
        self, entity: str, rid: str, now: datetime, action: str, name: str, old: Any, new: Any
    ) -> dict[str, Any]:
        return {
            "id": new_id(),
            "resource_id": rid,
            "resource_type": entity,
            "last_action_date": now,
            "last_action_type": action,
            "field_name": name,
            "previous_value": _text(old),
            "replacement_value": _text(new),
            "updated_by": self.actor_name,
        }


def _text(value: Any) -> str:
    shown = comparable(value)
    return "" if shown is None else str(shown)[:10_000]
