"""Export the directory as an HSDS 3.0 tabular data package or as HSDS JSON (full services)."""

from __future__ import annotations

import csv
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.datapackage import ResourceRule, cell_text, official_descriptor, resource_rules
from importers.datapackage_changes import public_changes
from importers.entities import ENTITY_ORDER
from importers.hsds_nested import full_services, table
from importers.serialize import is_public, public_address, public_location
from importers.sql import execute

_CHUNK = 500
HSDS_VERSION = "3.0"
# Stable ids of the meta_table_descriptions rows (one per file of the package).
_TABLE_NAMESPACE = uuid.UUID("8f0d7c61-3c1e-4d7e-9a51-1f5b8a6e2c44")
Progress = Callable[[int], None] | None


@dataclass
class ExportIssues:
    """What the export left out because the official descriptor would refuse it."""

    rows: Counter[tuple[str, str]] = field(default_factory=Counter)  # (resource, reason)
    values: Counter[tuple[str, str]] = field(default_factory=Counter)  # (resource, column)

    def summary(self) -> list[str]:
        """One line per kind of omission, for the CLI."""
        lines = [f"{n:,} {r} rows left out: {why}" for (r, why), n in sorted(self.rows.items())]
        lines += [
            f"{n:,} invalid {r}.{c} values left out" for (r, c), n in sorted(self.values.items())
        ]
        return lines


async def _chunks(factory: SessionFactory, t: sa.Table) -> AsyncIterator[list[dict[str, Any]]]:
    """All rows of a table in id order, a chunk at a time (keyset paging, constant memory)."""
    last = ""
    while True:
        query = sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(_CHUNK)
        async with factory() as session:
            rows = [dict(r) for r in (await execute(session, query)).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


class _Writer:
    """Writes the rows of one resource, dropping what its rules refuse, remembering dropped ids."""

    def __init__(
        self, rule: ResourceRule, out: Any, dropped: dict[str, set[str]], issues: ExportIssues
    ) -> None:
        self.rule, self.csv, self.dropped, self.issues = rule, out, dropped, issues
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.written = 0

    def cells(self, row: dict[str, Any]) -> list[str] | None:
        """The row's cells, or None (counted) if a required value is missing or invalid."""
        out: list[str] = []
        unique: list[tuple[str, str]] = []
        for rule in self.rule.fields:
            text = cell_text(rule, row.get(rule.name))
            parent = self.rule.foreign_keys.get(rule.name)
            if text and parent is not None and text in self.dropped[parent]:
                text = ""  # the record it points at was left out
            elif text and not rule.accepts(text):
                self.issues.values[(self.rule.name, rule.name)] += 1
                text = ""
            elif text and rule.unique and rule.name != "id":
                if text in self.seen[rule.name]:
                    self.issues.values[(self.rule.name, f"{rule.name} (repeated)")] += 1
                    text = ""
                else:
                    unique.append((rule.name, text))
            if not text and rule.required:
                self.issues.rows[(self.rule.name, f"no valid {rule.name}")] += 1
                return None
            out.append(text)
        for name, text in unique:
            self.seen[name].add(text)
        return out

    def write(self, row: dict[str, Any]) -> None:
        """Write one row, or remember its id as dropped."""
        cells = self.cells(row)
        if cells is None:
            self.dropped[self.rule.name].add(str(row.get("id")))
            return
        self.csv.writerow(cells)
        self.written += 1


@contextmanager
def _resource_file(
    directory: Path, rule: ResourceRule, dropped: dict[str, set[str]], issues: ExportIssues
) -> Iterator[_Writer]:
    """The CSV file of one resource, header written; yields the writer of its rows."""
    with (directory / rule.path).open("w", encoding="utf-8", newline="") as handle:
        out = _Writer(rule, csv.writer(handle), dropped, issues)
        out.csv.writerow([f.name for f in rule.fields])
        yield out


async def export_package(
    *,
    session_factory: SessionFactory,
    directory: Path,
    include_private: bool = False,
    on_progress: Progress = None,
    issues: ExportIssues | None = None,
    language: str = "en",
) -> dict[str, int]:
    """Write the official HSDS 3.0 tabular package (CSVs and datapackage.json); rows per file."""
    # Export runs from the CLI; blocking file writes are the point of it.
    directory.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    issues = issues if issues is not None else ExportIssues()
    rules = resource_rules()
    dropped: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = {}
    private_places: set[str] = set()
    for entity in ENTITY_ORDER:  # parents first: children learn which parents were left out
        with _resource_file(directory, rules[entity], dropped, issues) as out:
            async for rows in _chunks(session_factory, table(entity)):
                for row in rows:
                    if entity == "location" and row.get("is_private"):
                        private_places.add(row["id"])
                    if include_private:
                        out.write(row)
                    elif is_public(entity, row) and (
                        entity != "address"
                        or public_address(
                            row, place_is_private=row.get("location_id") in private_places
                        )
                    ):
                        out.write(public_location(row) if entity == "location" else row)
                    else:
                        dropped[entity].add(row["id"])
                if on_progress is not None:
                    on_progress(len(rows))
        counts[entity] = out.written
    with _resource_file(directory, rules["metadata"], dropped, issues) as out:
        async for row in public_changes(session_factory, include_private=include_private):
            out.write(row)
    counts["metadata"] = out.written
    with _resource_file(directory, rules["meta_table_description"], dropped, issues) as out:
        for rule in rules.values():
            table_id = str(uuid.uuid5(_TABLE_NAMESPACE, f"hsds-export:{rule.name}"))
            out.write(
                {"id": table_id, "name": rule.name, "language": language, "character_set": "UTF-8"}
            )
    counts["meta_table_description"] = out.written
    (directory / "datapackage.json").write_text(
        json.dumps(package_descriptor(), indent=2), encoding="utf-8"
    )
    return counts


def package_descriptor() -> dict[str, Any]:
    """The export's datapackage.json: the official resources, as they are, under our name."""
    official = official_descriptor()
    return {
        "name": "hsds_export",
        "title": "HSDS 3.0 export of the referral hub directory",
        "profile": official["profile"],
        "version": official["version"],
        "resources": official["resources"],
    }


async def export_json(
    *,
    session_factory: SessionFactory,
    path: Path,
    include_private: bool = False,
    on_progress: Progress = None,
) -> int:
    """Write every service as a fully nested HSDS service object in one JSON list."""
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        async for rows in _chunks(session_factory, table("service")):
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
