"""Read HSDS 3.0 input: a tabular data package (datapackage.json + CSVs) or HSDS JSON services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from importers.entities import ENTITY_ORDER, column_specs
from importers.records import Record
from importers.report import ImportReport, Origin
from importers.textio import UnreadableFileError, csv_rows, detect_encoding

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
            package = json.loads(descriptor.read_text(encoding="utf-8-sig"))
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


# Nested HSDS JSON: key -> (entity, column on the child pointing at the parent). Singular
# objects (organization, program, location, taxonomy_term) are parents of the object instead.
_CHILDREN: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "languages": ("language", "service_id"),
        "funding": ("funding", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "contacts": ("contact", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
    },
    "organization": {
        "phones": ("phone", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "funding": ("funding", "organization_id"),
        "organization_identifiers": ("organization_identifier", "organization_id"),
        "locations": ("location", "organization_id"),
        "programs": ("program", "organization_id"),
    },
    "location": {
        "addresses": ("address", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
        "languages": ("language", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "contacts": ("contact", "location_id"),
    },
    "service_at_location": {
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "contacts": ("contact", "service_at_location_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
    "phone": {"languages": ("language", "phone_id")},
}
_PARENTS: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "organization": ("organization", "organization_id"),
        "program": ("program", "program_id"),
    },
    "service_at_location": {"location": ("location", "location_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
}


def read_json(path: Path, report: ImportReport) -> Iterator[Record]:
    """Stream the records of HSDS JSON: a list of services, a Page of them, or one service.

    Lists and Pages are parsed incrementally (ijson), one service at a time, so a large
    `service_list` is read in constant memory; a lone service object is small and read whole.
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
    index = 0
    try:
        with _utf8(path, encoding) as handle:
            first = _first_byte(handle)
            if first in (b"[", b"{"):
                prefix = "item" if first == b"[" else "contents.item"
                for index, service in enumerate(
                    ijson.items(handle, prefix, use_float=True), start=1
                ):
                    yield from _service(service, Origin(name, index), report)
        if index == 0 and first != b"[":
            # Not a list, not a non-empty Page: one service object (or an empty Page).
            data = json.loads(path.read_text(encoding=encoding))
            if isinstance(data, dict) and isinstance(data.get("contents"), list):
                return
            yield from _service(data, Origin(name, 1), report)
    except json.JSONDecodeError as exc:
        report.fatal(Origin(name, exc.lineno), "", f"invalid JSON (truncated?): {exc.msg}")
    except ijson.JSONError as exc:
        where = f"after service {index}" if index else "before the first service"
        report.fatal(Origin(name, index + 1), "", f"invalid JSON (truncated?) {where}: {exc}")


def _service(service: Any, origin: Origin, report: ImportReport) -> Iterator[Record]:
    if not isinstance(service, dict):
        report.problem(origin, "", "is not an HSDS service object")
        return
    yield from flatten("service", service, origin, report, {})


class _Utf8Reader:
    """A binary file-like view of a text file, for ijson, which parses UTF-8 bytes."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._back = b""

    def read(self, size: int = -1) -> bytes:
        """Up to `size` characters of the file, as UTF-8 bytes."""
        if self._back and size != 0:  # ijson probes the type with read(0)
            back, self._back = self._back, b""
            return back
        return self._text.read(size).encode("utf-8")

    def push_back(self, data: bytes) -> None:
        """Return bytes to the stream, to be read again first."""
        self._back = data + self._back

    def __enter__(self) -> _Utf8Reader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._text.close()


def _utf8(path: Path, encoding: str) -> _Utf8Reader:
    return _Utf8Reader(path.open(encoding=encoding))


def _first_byte(handle: _Utf8Reader) -> bytes:
    # Leading whitespace is skipped; the first significant byte goes back to the stream.
    while chunk := handle.read(1):
        if not chunk.isspace():
            handle.push_back(chunk)
            return chunk
    return b""


def flatten(
    entity: str,
    obj: dict[str, Any],
    origin: Origin,
    report: ImportReport,
    links: dict[str, Any],
) -> Iterator[Record]:
    """Records of one nested HSDS object, parents before the object and children after it."""
    values = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
    values.update(links)
    ext = str(values.pop("id", "") or "")
    for key, (parent_entity, column) in _PARENTS.get(entity, {}).items():
        parent = obj.get(key)
        if isinstance(parent, dict) and parent.get("id"):
            if entity == "service" and parent_entity == "program":
                parent = {"organization_id": values.get("organization_id"), **parent}
            yield from flatten(parent_entity, parent, origin, report, {})
            values[column] = parent["id"]
    if entity == "service" and not values.get("organization_id"):
        org = obj.get("organization")
        if isinstance(org, dict):
            values["organization_id"] = org.get("id")
    yield Record(entity, ext, values, origin)
    for key, (child_entity, column) in _CHILDREN.get(entity, {}).items():
        children = obj.get(key)
        if isinstance(children, list):
            for child in children:
                if isinstance(child, dict):
                    yield from flatten(child_entity, child, origin, report, {column: ext})
    for attribute in obj.get("attributes") or []:
        if isinstance(attribute, dict):
            link = {"link_id": ext, "link_entity": entity}
            yield from flatten("attribute", {**attribute, **link}, origin, report, {})
