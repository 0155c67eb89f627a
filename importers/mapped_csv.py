"""Import any spreadsheet through a YAML/JSON mapping of its columns to HSDS fields."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from importers.entities import ENTITY_MODELS, ENTITY_ORDER
from importers.normalize import normalize_phone, split_list
from importers.records import Record
from importers.report import ImportReport, Origin
from importers.textio import csv_rows

# Names mapping files use for HSDS objects (plural table names, transformer aliases).
MODEL_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "organizations": ("organization", {}),
    "services": ("service", {}),
    "locations": ("location", {}),
    "programs": ("program", {}),
    "phones": ("phone", {}),
    "postal_address": ("address", {"address_type": "postal"}),
    "physical_address": ("address", {"address_type": "physical"}),
    "addresses": ("address", {}),
    "service_areas": ("service_area", {}),
    "languages": ("language", {}),
    "contacts": ("contact", {}),
    "schedules": ("schedule", {}),
    "required_documents": ("required_document", {}),
    "service_at_locations": ("service_at_location", {}),
    "taxonomies": ("taxonomy", {}),
    "taxonomy_terms": ("taxonomy_term", {}),
    "attributes": ("attribute", {}),
    "cost_options": ("cost_option", {}),
}
FIELD_ALIASES: dict[tuple[str, str], str] = {
    ("organization", "alternative_name"): "alternate_name",
    ("organization", "url"): "website",
}
_US_ADDRESS = re.compile(
    r"^(?P<street>.+?),\s*(?P<city>[^,]+),\s*(?P<state>[A-Z]{2})\.?\s+(?P<zip>\d{5}(?:-\d{4})?)\s*$"
)
_WEEKDAYS = {
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
_PHONE_LABELS = {"fax": "fax", "tdd": "textphone", "tty": "textphone", "cell": "cell"}


class MappingError(ValueError):
    """A mapping file that cannot be used."""


@dataclass
class ColumnRule:
    """How one source column becomes (part of) an HSDS record."""

    column: str
    entity: str
    hsds_field: str
    fk_name: str | None = None
    fk_value: str | None = None
    split: str | None = None
    parse: str | None = None
    constants: dict[str, Any] = field(default_factory=dict)
    # Prepended to the value: keeps ids of two files apart (addresses "1" and mail addresses "1").
    prefix: str = ""
    # (file, key column, value column): the cell is a key of another file; take its value there.
    lookup: tuple[str, str, str] | None = None


@dataclass
class FileMapping:
    """The rules of one source file."""

    name: str
    rules: list[ColumnRule]

    @property
    def primary(self) -> ColumnRule | None:
        """The rule giving the file's own record id."""
        return next((r for r in self.rules if r.hsds_field == "id" and r.fk_name is None), None)


def load_mapping(path: Path) -> list[FileMapping]:
    """Read and check a mapping file; files come back parents first."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not data:
        raise MappingError(f"{path.name}: expected a mapping of file names to column rules")
    files = []
    for name, columns in data.items():
        if not isinstance(columns, dict):
            raise MappingError(f"{path.name}: {name!r} must map column names to rules")
        rules = []
        for column, specs in columns.items():
            for spec in specs if isinstance(specs, list) else [specs]:
                rules.append(_rule(path.name, name, str(column), spec))
        files.append(FileMapping(str(name), rules))
    order = {entity: i for i, entity in enumerate(ENTITY_ORDER)}
    return sorted(files, key=lambda f: order.get(f.primary.entity, 99) if f.primary else 99)


def _rule(source: str, file: str, column: str, spec: Any) -> ColumnRule:
    if not isinstance(spec, dict) or "model" not in spec or "field" not in spec:
        raise MappingError(f"{source}: {file}.{column} needs `model` and `field`")
    model = str(spec["model"])
    entity, constants = MODEL_ALIASES.get(model, (model, {}))
    if entity not in ENTITY_MODELS:
        raise MappingError(f"{source}: {file}.{column}: unknown model {model!r}")
    name = FIELD_ALIASES.get((entity, str(spec["field"])), str(spec["field"]))
    lookup = spec.get("lookup")
    if lookup is not None and not (
        isinstance(lookup, dict) and {"file", "key", "field"} <= lookup.keys()
    ):
        raise MappingError(f"{source}: {file}.{column}: lookup needs `file`, `key` and `field`")
    return ColumnRule(
        column,
        entity,
        name,
        spec.get("foreign_key_name"),
        spec.get("foreign_key_value"),
        spec.get("split"),
        spec.get("parse"),
        {**constants, **(spec.get("set") or {})},
        str(spec.get("prefix") or ""),
        (str(lookup["file"]), str(lookup["key"]), str(lookup["field"])) if lookup else None,
    )


def _source_file(path: Path, name: str) -> Path | None:
    if path.is_file():
        return path if path.stem == name or path.name == name else None
    for candidate in (path / name, path / f"{name}.csv"):
        if candidate.is_file():
            return candidate
    return None


def read_mapped(path: Path, mapping: list[FileMapping], report: ImportReport) -> Iterator[Record]:
    """Stream HSDS records from the mapped files found at path (a directory or one CSV)."""
    found = False
    used: set[Path] = set()
    lookups = _lookups(path, mapping, report)
    for file_mapping in mapping:
        source = _source_file(path, file_mapping.name)
        if source is None:
            if path.is_dir():
                report.notes.append(f"{file_mapping.name}: no such file in {path.name}; skipped")
            continue
        found = True
        used.add(source)
        required = tuple(dict.fromkeys(r.column for r in file_mapping.rules))
        for origin, row in csv_rows(source, report, required=required):
            for rule in file_mapping.rules:
                if rule.lookup is not None:
                    row[rule.column] = lookups[rule.lookup].get(
                        row.get(rule.column, "").strip(), ""
                    )
            yield from _records(file_mapping, row, origin, report)
    if not found:
        report.fatal(Origin(path.name, 0), "", "none of the mapped files were found")
    elif path.is_dir():
        for other in sorted(path.glob("*.csv")):
            if other not in used:
                report.notes.append(f"{other.name}: not in the mapping; not imported")


def _lookups(
    path: Path, mapping: list[FileMapping], report: ImportReport
) -> dict[tuple[str, str, str], dict[str, str]]:
    """key -> value of each lookup the mapping names, read from its file once."""
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for rule in (r for m in mapping for r in m.rules if r.lookup is not None):
        assert rule.lookup is not None
        if rule.lookup in out:
            continue
        file, key, value = rule.lookup
        source = _source_file(path, file) if path.is_dir() else _source_file(path.parent, file)
        table: dict[str, str] = {}
        if source is None:
            report.notes.append(f"lookup file {file} not found; {rule.column} left empty")
        else:
            for _origin, row in csv_rows(source, report, required=(key, value), quiet=True):
                table[row[key].strip()] = row[value].strip()
        out[rule.lookup] = table
    return out


def _records(
    mapping: FileMapping, row: dict[str, str], origin: Origin, report: ImportReport
) -> Iterator[Record]:
    primary = mapping.primary
    own: dict[str, dict[str, Any]] = {}
    children: list[Record] = []
    for rule in mapping.rules:
        value = row.get(rule.column, "").strip()
        if value and rule.prefix:
            value = f"{rule.prefix}{value}"
        if value and rule.parse == "weekday":
            value = _WEEKDAYS.get(value.lower()[:3], value)
        if rule.fk_name is None:
            own.setdefault(rule.entity, dict(rule.constants))[rule.hsds_field] = value
            continue
        parent = row.get(rule.fk_value or "", "").strip()
        if not parent or not value:
            continue
        children.extend(_children(rule, value, parent, origin, report))
    for entity, values in own.items():
        ext = values.pop("id", "") or ""
        if primary is None or not ext:
            report.problem(origin, primary.column if primary else "id", "record id is empty")
            report.skip(entity, "no id")
            continue
        yield Record(entity, ext, values, origin)
    yield from children


def _children(
    rule: ColumnRule, value: str, parent: str, origin: Origin, report: ImportReport
) -> Iterator[Record]:
    base = {**rule.constants, rule.fk_name or "": parent}
    prefix = f"{parent}:{rule.entity}:{rule.column}"
    if rule.parse == "us_address":
        match = _US_ADDRESS.match(value)
        if match is None:
            report.skip(rule.entity, "address text is not a full US street address")
            return
        yield Record(
            rule.entity,
            prefix,
            {
                **base,
                "address_1": match["street"],
                "city": match["city"],
                "state_province": match["state"],
                "postal_code": match["zip"],
                "country": "US",
            },
            origin,
        )
        return
    if rule.parse == "labeled_phones":
        for i, item in enumerate(split_list(value, ",;"), start=1):
            label, _, number = item.rpartition(":")
            clean = normalize_phone(number)
            if clean is None:
                report.skip("phone", "not a phone number")
                continue
            yield Record(
                "phone",
                f"{prefix}:{i}",
                {
                    **base,
                    "number": clean.number,
                    "extension": clean.extension,
                    "type": _PHONE_LABELS.get(label.strip().lower(), "voice"),
                    "description": label.strip() or None,
                },
                origin,
            )
        return
    items = split_list(value, rule.split) if rule.split else [value]
    for i, item in enumerate(items, start=1):
        yield Record(rule.entity, f"{prefix}:{i}", {**base, rule.hsds_field: item}, origin)
