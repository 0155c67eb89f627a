"""Batched upsert by (source, entity, external id): create, update what changed, or skip."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.events import record_events
from hub.core.ids import new_id
from importers.crosswalk import Crosswalk
from importers.entities import (
    AGGREGATES,
    ENTITY_MODELS,
    ENTITY_ORDER,
    PARENT_REFS,
    column_specs,
    comparable,
    defaults,
)
from importers.lookups import Lookups
from importers.prepare import PendingRow, Validation
from importers.records import Record
from importers.report import ImportReport
from importers.sql import execute
from providers.models import Metadata

METADATA: sa.Table = Metadata.__table__  # type: ignore[attr-defined]


def _table(entity: str) -> sa.Table:
    return ENTITY_MODELS[entity].__table__  # type: ignore[attr-defined,no-any-return]


def content_hash(values: dict[str, Any]) -> str:
    """A digest of a record's values, to tell unchanged records without reading them."""
    text = json.dumps({k: comparable(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class Upserter(Validation, Lookups):
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
        self.buffers: dict[str, list[PendingRow]] = {entity: [] for entity in ENTITY_ORDER}
        self.buffered = 0
        self.to_geocode: list[str] = []
        self._noted_fields: set[tuple[str, str]] = set()
        # Aggregates created in the current flush: their new children need no extra event.
        self._created_now: set[str] = set()
        self._started = clock.now()

    async def add(self, record: Record) -> None:
        """Validate one record and queue it; full batches are written at once."""
        if self.on_progress is not None:
            self.on_progress(1)
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
        """Write every queued batch, parents first."""
        self._created_now.clear()
        for entity in ENTITY_ORDER:
            rows = self.buffers[entity]
            if rows:
                self.buffers[entity] = []
                await self._write(entity, rows)
        self.buffered = 0

    # -- writing ------------------------------------------------------------------------------

    async def _write(self, entity: str, rows: list[PendingRow]) -> None:
        rows = await self._check_references(entity, rows)
        if not rows:
            return
        rows = _dedupe(rows)
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
        if not pending:
            return
        table = _table(entity)
        existing = await self._existing_rows(table, [row.id for row in pending])
        now = self.clock.now()
        inserts: list[dict[str, Any]] = []
        log: list[dict[str, Any]] = []
        events: dict[tuple[str, str, str], int | None] = {}
        for row in pending:
            old = existing.get(row.id)
            if old is None:
                inserts.append(
                    {
                        **defaults(entity),
                        **row.values,
                        "id": row.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                counts.created += 1
                self._changed(entity, row, created=True, events=events)
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
            await execute(
                self.session, sa.update(table).where(table.c.id == row.id).values(**changes)
            )
            counts.updated += 1
            self._changed(entity, row, created=False, events=events, version=version)
            if entity == "location" and old.get("latitude") is None and "latitude" not in changes:
                self.to_geocode.append(row.id)
        if inserts and entity == "taxonomy":
            await self._unique_taxonomy_names(table, inserts)
        if inserts:
            await execute(self.session, sa.insert(table), inserts)
        if log:
            await execute(self.session, sa.insert(METADATA), log)
        await self._save_keys(entity, pending, hashes, known, now)
        if entity not in AGGREGATES:
            events = await self._without_new_parents(events)
        await record_events(
            self.session,
            [
                {
                    "topic": topic,
                    "aggregate_type": aggregate,
                    "aggregate_id": aggregate_id,
                    "payload": {"source": self.source, "via": "import"},
                    "version": version,
                }
                for (topic, aggregate, aggregate_id), version in events.items()
            ],
        )

    async def _check_references(self, entity: str, rows: list[PendingRow]) -> list[PendingRow]:
        batch_ids = {row.id for row in rows}
        wanted: dict[str, set[str]] = {}
        for row in rows:
            for _col, target, ref_id, _ext in row.refs:
                if not (target == entity and ref_id in batch_ids):
                    wanted.setdefault(target, set()).add(ref_id)
        found: dict[str, set[str]] = {}
        for target, ids in wanted.items():
            found[target] = await self._existing_ids(_table(target), list(ids))
        kept: list[PendingRow] = []
        specs = column_specs(entity)
        for row in rows:
            ok = True
            for col, target, ref_id, ext in row.refs:
                if (target == entity and ref_id in batch_ids) or ref_id in found[target]:
                    continue
                self.report.problem(
                    row.origin,
                    col,
                    f"refers to {target} {ext!r}, not found in this import or in the hub",
                )
                spec = specs.get(col)
                if col == "link_id" or (spec is not None and spec.required):
                    ok = False
                else:
                    row.values[col] = None
            if ok:
                kept.append(row)
            else:
                self.report.skip(entity, "refers to a missing record")
        return _parents_first(kept) if entity in ("taxonomy_term", "organization") else kept

    async def _without_new_parents(
        self, events: dict[tuple[str, str, str], int | None]
    ) -> dict[tuple[str, str, str], int | None]:
        # A child of a record this import created needs no event of its own: the parent's
        # `created` event already makes subscribers read the whole record after commit.
        by_type: dict[str, list[str]] = {}
        for _topic, aggregate, aggregate_id in events:
            by_type.setdefault(aggregate, []).append(aggregate_id)
        new: set[str] = set()
        for aggregate, ids in by_type.items():
            t = ENTITY_MODELS[aggregate].__table__  # type: ignore[attr-defined]
            for start in range(0, len(ids), 500):
                result = await execute(
                    self.session,
                    sa.select(t.c.id).where(
                        t.c.id.in_(ids[start : start + 500]), t.c.created_at >= self._started
                    ),
                )
                new.update(result.scalars())
        return {key: v for key, v in events.items() if key[2] not in new}

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

    def _changed(
        self,
        entity: str,
        row: PendingRow,
        *,
        created: bool,
        events: dict[tuple[str, str, str], int | None],
        version: int | None = None,
    ) -> None:
        if entity in AGGREGATES:
            verb = "created" if created else "updated"
            events[(sys.intern(f"{entity}.{verb}"), entity, row.id)] = version
            if created:
                self._created_now.add(row.id)
            return
        if entity == "attribute":
            parents: tuple[str, ...] = ("link_id",)
        else:
            parents = PARENT_REFS.get(entity, ())
        for col in parents:
            parent_id = row.values.get(col)
            if parent_id:
                parent = (
                    str(row.values["link_entity"]) if col == "link_id" else col.removesuffix("_id")
                )
                if parent in AGGREGATES and parent_id not in self._created_now:
                    topic = sys.intern(f"{parent}.updated")
                    events.setdefault((topic, sys.intern(parent), str(parent_id)), None)
                return

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


def _dedupe(rows: list[PendingRow]) -> list[PendingRow]:
    # The same object nested in several JSON services arrives more than once: keep the last.
    seen: dict[str, PendingRow] = {}
    for row in rows:
        seen[row.external_id] = row
    return list(seen.values()) if len(seen) != len(rows) else rows


def _parents_first(rows: list[PendingRow]) -> list[PendingRow]:
    by_id = {row.id: row for row in rows}
    ordered: list[PendingRow] = []
    placed: set[str] = set()

    def place(row: PendingRow, depth: int = 0) -> None:
        if row.id in placed or depth > 50:
            return
        for _col, target, ref_id, _ext in row.refs:
            parent = by_id.get(ref_id)
            if parent is not None and parent is not row and target == row.entity:
                place(parent, depth + 1)
        placed.add(row.id)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered
