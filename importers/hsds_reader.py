"""Read HSDS 3.0 input: a tabular data package (datapackage.json + CSVs) or HSDS JSON services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    """Stream the records of HSDS JSON: a list of services, a Page of them, or one service."""
    name = path.name
    try:
        encoding = detect_encoding(path)
        data = json.loads(path.read_text(encoding=encoding))
    except UnreadableFileError as exc:
        report.fatal(Origin(name, 0), "", f"file {exc}")
        return
    except json.JSONDecodeError as exc:
        report.fatal(Origin(name, exc.lineno), "", f"invalid JSON (truncated?): {exc.msg}")
        return
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    services = data if isinstance(data, list) else [data]
    for index, service in enumerate(services, start=1):
        if not isinstance(service, dict):
            report.problem(Origin(name, index), "", "is not an HSDS service object")
            continue
        yield from flatten("service", service, Origin(name, index), report, {})


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
