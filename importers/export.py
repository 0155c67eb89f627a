"""Export the directory as an HSDS 3.0 tabular data package or as HSDS JSON (full services)."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.entities import ENTITY_ORDER, column_specs
from importers.hsds_nested import full_services, table
from importers.hsds_reader import DEFAULT_FILES
from importers.serialize import csv_value, hsds_fields, is_public, public_location
from importers.sql import execute

_CHUNK = 500
_TYPES = {
    "str": "string",
    "enum": "string",
    "int": "integer",
    "float": "number",
    "decimal": "number",
    "bool": "boolean",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
}
HSDS_VERSION = "3.0"


async def _chunks(
    factory: SessionFactory, entity: str, where: Any = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """All rows of a table in id order, a chunk at a time (keyset paging, constant memory)."""
    t = table(entity)
    last = ""
    while True:
        query = sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(_CHUNK)
        if where is not None:
            query = query.where(where)
        async with factory() as session:
            rows = [dict(r) for r in (await execute(session, query)).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


async def export_package(
    *,
    session_factory: SessionFactory,
    directory: Path,
    include_private: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write one CSV per HSDS object and datapackage.json; returns rows written per entity."""
    # Export runs from the CLI; blocking file writes are the point of it.
    directory.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    counts: dict[str, int] = {}
    resources: list[dict[str, Any]] = []
    for entity in ENTITY_ORDER:
        fields = hsds_fields(entity)
        path = DEFAULT_FILES[entity]
        written = 0
        with (directory / path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            async for rows in _chunks(session_factory, entity):
                for row in rows:
                    if not include_private:
                        if not is_public(entity, row):
                            continue
                        if entity == "location":
                            row = public_location(row)
                    writer.writerow([csv_value(row.get(name)) for name in fields])
                    written += 1
                if on_progress is not None:
                    on_progress(len(rows))
        counts[entity] = written
        resources.append(_resource(entity, path, fields))
    descriptor = {
        "name": "hsds_export",
        "title": "HSDS 3.0 export of the referral hub directory",
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "resources": resources,
    }
    (directory / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return counts


def _resource(entity: str, path: str, fields: list[str]) -> dict[str, Any]:
    specs = column_specs(entity)
    schema_fields = []
    for name in fields:
        spec = specs.get(name)
        field: dict[str, Any] = {"name": name, "type": _TYPES[spec.kind] if spec else "string"}
        if name == "id" or (spec is not None and spec.required):
            field["constraints"] = {"required": True}
        schema_fields.append(field)
    return {
        "name": entity,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": schema_fields, "primaryKey": "id"},
    }


async def export_json(
    *,
    session_factory: SessionFactory,
    path: Path,
    include_private: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write every service as a fully nested HSDS service object in one JSON list."""
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        async for rows in _chunks(session_factory, "service"):
            async with session_factory() as session:
                services = await full_services(session, rows, public=not include_private)
            for service in services:
                handle.write(",\n" if written else "\n")
                handle.write(json.dumps(service, ensure_ascii=False))
                written += 1
            if on_progress is not None:
                on_progress(len(rows))
        handle.write("\n]\n")
    return written
