"""Read HSDS 3.0 input: a tabular data package (datapackage.json + CSVs) or HSDS JSON services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from importers.entities import ENTITY_ORDER, column_specs
from importers.hsds_json import flatten, hint_of, kind_of
from importers.hsds_legacy import read_legacy
from importers.json_stream import JsonLimitError, documents
from importers.records import Record
from importers.report import ImportReport, Origin
from importers.textio import UTF8_WITH_ERRORS, UnreadableFileError, csv_rows, detect_encoding

# The file each HSDS resource has in the standard package.
DEFAULT_FILES: dict[str, str] = {
    "organization": "organizations.csv",
    "organization_identifier": "organization_identifiers.csv",
    "program": "programs.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "address": "addresses.csv",
    "accessibility": "accessibility.csv",
    "service_at_location": "service_at_location.csv",
    "contact": "contacts.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "service_area": "service_areas.csv",
    "language": "languages.csv",
    "cost_option": "cost_options.csv",
    "required_document": "required_documents.csv",
    "funding": "funding.csv",
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "attribute": "attributes.csv",
}


def package_files(directory: Path, report: ImportReport) -> dict[str, Path]:
    """Resource name -> CSV path, from datapackage.json when it is readable, else by HSDS names."""
    files = {name: directory / file for name, file in DEFAULT_FILES.items()}
    descriptor = directory / "datapackage.json"
    if descriptor.is_file():
        try:
            text = descriptor.read_text(encoding="utf-8-sig")
            if text.strip().endswith(".json") and "{" not in text:
                # A symbolic link checked out as a file (as in the spec's own examples).
                report.notes.append(
                    f"datapackage.json only names {text.strip()!r}; using the standard file names"
                )
                text = "{}"
            package = json.loads(text)
            resources = package.get("resources", []) if isinstance(package, dict) else []
            for resource in resources:
                name, path = resource.get("name"), resource.get("path")
                if name in DEFAULT_FILES and isinstance(path, str):
                    files[name] = directory / path
        except (ValueError, UnicodeDecodeError):
            report.notes.append("datapackage.json is not valid JSON; using the standard file names")
    return {name: path for name, path in files.items() if path.is_file()}


def read_package(directory: Path, report: ImportReport) -> Iterator[Record]:
    """Stream the records of a tabular package, parents' files first."""
    files = package_files(directory, report)
    if not files:
        report.fatal(Origin(str(directory), 0), "", "no HSDS CSV files found")
        return
    if (directory / "metadata.csv").exists():
        report.notes.append("metadata.csv is not imported: the hub keeps its own change log")
    for entity in ENTITY_ORDER:
        path = files.get(entity)
        if path is None:
            continue
        required = ("id", *(s.name for s in column_specs(entity).values() if s.required))
        for origin, row in csv_rows(path, report, required=required):
            ext = row.pop("id").strip()
            yield Record(entity, ext, row, origin)
    # After every 3.0 file, so the records older files point at are already read.
    yield from read_legacy(directory, set(files.values()), report)


def read_json(path: Path, report: ImportReport) -> Iterator[Record]:
    """Stream the records of HSDS JSON: any object type alone, as a list or as a Page.

    Services, organizations, locations, services at locations, taxonomies and taxonomy terms
    are told apart by their fields; `tabular.json` (file name -> rows) reads as a package. The
    file is parsed incrementally with bounded nesting and record size (`json_stream`), so a
    large list is read in constant memory and a bracket bomb is refused at once.
    """
    name = path.name
    try:
        encoding = detect_encoding(path)
    except UnreadableFileError as exc:
        report.fatal(Origin(name, 0), "", f"file {exc}")
        return
    except OSError as exc:
        report.fatal(Origin(name, 0), "", f"cannot read file: {exc.strerror}")
        return
    if encoding == UTF8_WITH_ERRORS:
        report.fatal(Origin(name, 0), "", "file has bytes that are not valid UTF-8")
        return
    hint = hint_of(name)
    index = 0
    try:
        with _Utf8Reader(path.open(encoding=encoding)) as handle:
            for shape, value in documents(handle):
                if shape == "item":
                    index += 1
                    yield from _object(value, Origin(name, index), report, hint)
                elif shape == "object":
                    yield from _top_object(value, Origin(name, 1), report, hint)
                else:
                    report.problem(Origin(name, 1), "", "is not an HSDS object or list")
    except JsonLimitError as exc:
        report.fatal(Origin(name, index + 1), "", f"refused: record {index + 1} is {exc}")
    except ijson.JSONError as exc:
        where = f"after record {index}" if index else "before the first record"
        detail = (str(exc).strip().splitlines() or ["unreadable"])[0]  # yajl adds a caret art
        report.fatal(Origin(name, index + 1), "", f"invalid JSON (truncated?) {where}: {detail}")


def _object(obj: Any, origin: Origin, report: ImportReport, hint: str | None) -> Iterator[Record]:
    if not isinstance(obj, dict):
        report.problem(origin, "", "is not an HSDS object")
        return
    yield from flatten(kind_of(obj, hint), obj, origin, report, {})


def _top_object(
    obj: dict[str, Any], origin: Origin, report: ImportReport, hint: str | None
) -> Iterator[Record]:
    if "contents" in obj:
        return  # a Page: its items were read as they came
    if obj.keys() <= {"version", "profile", "openapi_url"}:
        report.notes.append(f"{origin.file}: an HSDS API root (version, profile), not data")
        return
    if obj and all(key.endswith(".csv") for key in obj):
        yield from _tabular(obj, origin.file, report)
        return
    yield from _object(obj, origin, report, hint)


def _tabular(tables: dict[str, Any], name: str, report: ImportReport) -> Iterator[Record]:
    """`tabular.json`: the package's CSV files as lists of row objects."""
    by_file = {file: entity for entity, file in DEFAULT_FILES.items()}
    for file in tables:
        if file not in by_file:
            report.notes.append(f"{name}: {file} is not imported")
    for entity in ENTITY_ORDER:
        rows = tables.get(DEFAULT_FILES[entity])
        if not isinstance(rows, list):
            continue
        for row_number, row in enumerate(rows, start=1):
            origin = Origin(f"{name}:{DEFAULT_FILES[entity]}", row_number)
            if not isinstance(row, dict):
                report.problem(origin, "", "is not a row object")
                continue
            values = {k: v for k, v in row.items() if not isinstance(v, dict | list)}
            yield Record(entity, str(values.pop("id", "") or ""), values, origin)


class _Utf8Reader:
    """A binary file-like view of a text file, for ijson, which parses UTF-8 bytes."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def read(self, size: int = -1) -> bytes:
        """Up to `size` characters of the file, as UTF-8 bytes."""
        return self._text.read(size).encode("utf-8")

    def __enter__(self) -> _Utf8Reader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._text.close()
