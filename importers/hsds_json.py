"""HSDS JSON objects of any type, nested as the spec nests them, flattened into records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from importers.records import Record
from importers.report import ImportReport, Origin

# Nested HSDS JSON: key -> (entity, column on the child pointing at the parent).
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
        "services": ("service", "organization_id"),
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
# Singular nested objects that are parents of the object holding them.
_PARENTS: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "organization": ("organization", "organization_id"),
        "program": ("program", "program_id"),
    },
    "service_at_location": {
        "service": ("service", "service_id"),
        "location": ("location", "location_id"),
    },
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
}
# Fields only one HSDS object type has, to tell a lone object's type from its content.
_SERVICE_ONLY = frozenset(
    {
        "status",
        "organization",
        "organization_id",
        "program",
        "program_id",
        "service_at_locations",
        "service_areas",
        "cost_options",
        "required_documents",
        "eligibility_description",
        "fees_description",
        "application_process",
    }
)
_LOCATION_ONLY = frozenset(
    {"location_type", "latitude", "longitude", "addresses", "accessibility", "transportation"}
)
_ORGANIZATION_ONLY = frozenset(
    {
        "website",
        "tax_status",
        "tax_id",
        "year_incorporated",
        "legal_status",
        "logo",
        "parent_organization_id",
        "organization_identifiers",
        "services",
        "locations",
        "programs",
    }
)
_TAXONOMY_FIELDS = frozenset({"id", "name", "description", "uri", "version"})
ENTITY_KINDS = ("service", "organization", "location", "service_at_location", "taxonomy")


def kind_of(obj: dict[str, Any], hint: str | None = None) -> str:
    """The HSDS object type of a JSON object, from its fields (the file name breaks ties)."""
    keys = obj.keys()
    if isinstance(obj.get("service"), dict) or isinstance(obj.get("location"), dict):
        return "service_at_location"
    if "service_id" in keys and "location_id" in keys:
        return "service_at_location"
    if keys & {"code", "term_uri", "taxonomy_detail", "parent_id"}:
        return "taxonomy_term"
    if keys & _SERVICE_ONLY:
        return "service"
    if keys & _LOCATION_ONLY:
        return "location"
    if keys & _ORGANIZATION_ONLY:
        return "organization"
    if keys <= _TAXONOMY_FIELDS and keys & {"uri", "version"}:
        return "taxonomy"
    return hint or "service"


def hint_of(file_name: str) -> str | None:
    """The object type a file's name announces (`taxonomy_term_list.json` -> taxonomy_term)."""
    stem = file_name.lower().rsplit(".", 1)[0]
    for entity in sorted(("taxonomy_term", *ENTITY_KINDS), key=len, reverse=True):
        if stem.startswith(entity):
            return entity
    return None


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
    if obj.get("metadata") and "metadata" not in report.notes_seen:
        report.notes_seen.add("metadata")
        report.notes.append("metadata is not imported: the hub keeps its own change log")
