"""References to records outside the input: checked per batch, deferred, resolved on arrival.

A reference the import cannot satisfy is a warning, never a refusal. An optional link (a
parent organization, a parent term) is written empty and remembered; a record whose required
reference is missing (a service at a location of a service not yet imported) is kept aside
whole. Both wait in `import_deferred_reference` and are completed at the end of whichever later
import brings the record they wait for.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from importers.bulk import execute_many, insert_statement
from importers.changes import BatchChanges
from importers.entities import ENTITY_ORDER, coerce, column_specs, comparable, entity_table
from importers.lookups import Lookups
from importers.models import DeferredReference
from importers.prepare import PendingRow
from importers.report import ImportReport, Origin
from importers.sql import dialect_name, execute, one_of

DEFERRED: sa.Table = DeferredReference.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 2000
# Kept-aside records may wait for one another (a place waits for a service that waits for its
# organization): each round writes those whose references all exist now.
_MAX_ROUNDS = 8


def _to_json(row: PendingRow) -> str:
    values = {name: comparable(value) for name, value in row.values.items()}
    origin = {"file": row.origin.file, "row": row.origin.row}
    return json.dumps({"values": values, "refs": row.refs, **origin})


def _from_json(entity: str, record_id: str, external_id: str, text: str) -> PendingRow:
    data = json.loads(text)
    specs = column_specs(entity)
    values: dict[str, Any] = {}
    for name, value in data["values"].items():
        spec = specs.get(name)
        if spec is None:
            continue  # a column dropped since: nothing to write
        # Text is kept as validated ("" included); other kinds come back from their JSON form.
        plain = spec.fk_target is not None or spec.kind == "str" or value is None
        values[name] = value if plain else coerce(spec, value)
    refs = [tuple(ref) for ref in data["refs"]]
    origin = Origin(str(data.get("file", "")), int(data.get("row", 0)))
    return PendingRow(entity, external_id, record_id, values, refs, origin)


class References(Lookups):
    """Reference checks of a batch and the deferred references table, on the import's session."""

    session: AsyncSession
    source: str
    report: ImportReport
    clock: Clock
    changes: BatchChanges
    _write: Callable[[str, list[PendingRow]], Awaitable[None]]

    async def _check_references(self, entity: str, rows: list[PendingRow]) -> list[PendingRow]:
        """Rows whose references all exist; the others are deferred (link) or kept aside."""
        batch_ids = {row.id for row in rows}
        wanted: dict[str, set[str]] = {}
        for row in rows:
            for _col, target, ref_id, _ext in row.refs:
                if not (target == entity and ref_id in batch_ids):
                    wanted.setdefault(target, set()).add(ref_id)
        found: dict[str, set[str]] = {}
        for target, ids in wanted.items():
            found[target] = await self._existing_ids(entity_table(target), list(ids))
        kept: list[PendingRow] = []
        links: list[dict[str, Any]] = []
        aside: list[dict[str, Any]] = []
        specs = column_specs(entity)
        for row in rows:
            missing = [
                ref
                for ref in row.refs
                if not ((ref[1] == entity and ref[2] in batch_ids) or ref[2] in found[ref[1]])
            ]
            if not missing:
                kept.append(row)
                continue
            required = [
                ref for ref in missing if ref[0] == "link_id" or _required(specs.get(ref[0]))
            ]
            if required:
                aside.extend(self._deferral(row, ref, _to_json(row)) for ref in required)
                for col, target, _id, ext in required:
                    self.report.warn(
                        row.origin,
                        col,
                        f"refers to {target} {ext!r}, not in this import or the hub:"
                        " kept aside until it is imported",
                    )
                self.report.entity(entity).deferred += 1
                continue
            for ref in missing:
                col, target, _id, ext = ref
                row.values[col] = None
                links.append(self._deferral(row, ref, None))
                self.report.warn(
                    row.origin,
                    col,
                    f"refers to {target} {ext!r}, not in this import or the hub:"
                    " linked when it is imported",
                )
            kept.append(row)
        await self._defer(entity, links + aside)
        return kept

    def _deferral(
        self, row: PendingRow, ref: tuple[str, str, str, str], record_json: str | None
    ) -> dict[str, Any]:
        col, target, ref_id, ext = ref
        return {
            "entity": row.entity,
            "record_id": row.id,
            "column_name": col,
            "target_entity": target,
            "target_id": ref_id,
            "target_external_id": ext[:255],
            "external_id": row.external_id,
            "record_json": record_json,
        }

    async def _defer(self, entity: str, deferrals: list[dict[str, Any]]) -> None:
        if not deferrals:
            return
        # A record deferred again replaces what an earlier import remembered of it.
        ids = sorted({d["record_id"] for d in deferrals})
        await self._delete_deferred(entity, ids)
        unique = list({(d["record_id"], d["column_name"]): d for d in deferrals}.values())
        fixed = {"source": self.source, "deferred_at": self.clock.now()}
        await execute_many(self.session, insert_statement(DEFERRED), unique, fixed)

    async def _delete_deferred(self, entity: str, record_ids: list[str]) -> None:
        dialect = await dialect_name(self.session)
        for start in range(0, len(record_ids), _IN_CHUNK):
            chunk = record_ids[start : start + _IN_CHUNK]
            await execute(
                self.session,
                sa.delete(DEFERRED).where(
                    DEFERRED.c.entity == entity, one_of(dialect, DEFERRED.c.record_id, chunk)
                ),
            )

    async def resolve_deferred(self) -> None:
        """Complete deferred links and write kept-aside records whose references now exist."""
        for _round in range(_MAX_ROUNDS):
            rows = [dict(r) for r in (await execute(self.session, sa.select(DEFERRED))).mappings()]
            if not rows or not await self._resolve(rows):
                return

    async def _resolve(self, rows: list[dict[str, Any]]) -> bool:
        by_target: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            by_target[row["target_entity"]].append(row["target_id"])
        present: set[tuple[str, str]] = set()
        for target, ids in by_target.items():
            found = await self._existing_ids(entity_table(target), sorted(set(ids)))
            present.update((target, i) for i in found)
        records: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        linked = 0
        for row in rows:
            if row["record_json"] is not None:
                records[(row["entity"], row["record_id"])].append(row)
            elif (row["target_entity"], row["target_id"]) in present:
                await self._complete_link(row)
                linked += 1
        ready: dict[str, list[tuple[str, PendingRow]]] = defaultdict(list)
        for (entity, record_id), waits in records.items():
            if all((w["target_entity"], w["target_id"]) in present for w in waits):
                first = waits[0]
                pending = _from_json(entity, record_id, first["external_id"], first["record_json"])
                ready[entity].append((first["source"], pending))
        for entity in ENTITY_ORDER:
            for source, pending in ready.get(entity, []):
                await self._delete_deferred(entity, [pending.id])
                await self._write_as(source, entity, pending)
        written = sum(len(v) for v in ready.values())
        if linked or written:
            self.report.notes.append(
                f"deferred references completed: {linked} link(s), {written} record(s) kept aside"
            )
        return bool(written or linked)

    async def _complete_link(self, row: dict[str, Any]) -> None:
        table = entity_table(row["entity"])
        column = table.c[row["column_name"]]
        values: dict[str, Any] = {column.name: row["target_id"]}
        if "updated_at" in table.c:
            values["updated_at"] = self.clock.now()
        if "version" in table.c:
            values["version"] = table.c.version + 1
        await execute(
            self.session,
            sa.update(table).where(table.c.id == row["record_id"], column.is_(None)).values(values),
        )
        await execute(
            self.session,
            sa.delete(DEFERRED).where(
                DEFERRED.c.entity == row["entity"],
                DEFERRED.c.record_id == row["record_id"],
                DEFERRED.c.column_name == row["column_name"],
            ),
        )
        self.changes.note(row["entity"], row["record_id"], {}, created=False)

    async def _write_as(self, source: str, entity: str, row: PendingRow) -> None:
        # The record belongs to the source that sent it, whichever import completes it: its
        # import key is written under that source.
        own, self.source = self.source, source
        try:
            await self._write(entity, [row])
        finally:
            self.source = own


def _required(spec: Any) -> bool:
    return spec is not None and (spec.required or spec.not_null)
