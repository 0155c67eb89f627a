"""Assemble fully nested HSDS objects (service, location, organization) with batched queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.entities import ENTITY_MODELS
from importers.serialize import (
    SERVICE_PROFILE,
    is_public,
    json_value,
    public_address,
    public_location,
    to_hsds,
)
from importers.sql import execute
from providers.models import ProgramFacts

Row = dict[str, Any]
_CHUNK = 500
_LOCATION_CHILDREN = (
    ("addresses", "address"),
    ("phones", "phone"),
    ("schedules", "schedule"),
    ("languages", "language"),
    ("accessibility", "accessibility"),
    ("contacts", "contact"),
)
_SERVICE_CHILDREN = (
    ("phones", "phone"),
    ("schedules", "schedule"),
    ("service_areas", "service_area"),
    ("languages", "language"),
    ("funding", "funding"),
    ("cost_options", "cost_option"),
    ("required_documents", "required_document"),
    ("contacts", "contact"),
)


def table(entity: str) -> sa.Table:
    """The table of an HSDS entity."""
    return ENTITY_MODELS[entity].__table__  # type: ignore[attr-defined,no-any-return]


async def rows_where(
    session: AsyncSession, entity: str, column: str, values: Iterable[Any], *, public: bool
) -> list[Row]:
    """Rows of an entity whose column is in values (chunked), private rows left out if public."""
    wanted = [v for v in dict.fromkeys(values) if v is not None]
    t = table(entity)
    out: list[Row] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        result = await execute(session, sa.select(t).where(t.c[column].in_(chunk)).order_by(t.c.id))
        out.extend(dict(r) for r in result.mappings())
    return [r for r in out if is_public(entity, r)] if public else out


def _group(rows: list[Row], column: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.get(column) is not None:
            grouped[row[column]].append(row)
    return grouped


def _many(entity: str, rows: list[Row]) -> list[Row]:
    return [to_hsds(entity, r) for r in rows]


async def attributes_of(session: AsyncSession, entity: str, ids: list[str]) -> dict[str, list[Row]]:
    """HSDS attributes of records, each with its taxonomy term (and the term's taxonomy)."""
    rows = [
        r
        for r in await rows_where(session, "attribute", "link_id", ids, public=False)
        if r["link_entity"] == entity
    ]
    terms = {
        t["id"]: t
        for t in await rows_where(
            session, "taxonomy_term", "id", [r["taxonomy_term_id"] for r in rows], public=False
        )
    }
    taxonomies = {
        t["id"]: to_hsds("taxonomy", t)
        for t in await rows_where(
            session, "taxonomy", "id", [t["taxonomy_id"] for t in terms.values()], public=False
        )
    }
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        item = to_hsds("attribute", row)
        term = terms.get(row["taxonomy_term_id"])
        if term is not None:
            nested = to_hsds("taxonomy_term", term)
            if term.get("taxonomy_id") in taxonomies:
                nested["taxonomy_detail"] = taxonomies[term["taxonomy_id"]]
            item["taxonomy_term"] = nested
        out[row["link_id"]].append(item)
    return out


async def full_locations(session: AsyncSession, rows: list[Row], *, public: bool) -> dict[str, Row]:
    """Fully nested HSDS locations by id."""
    ids = [r["id"] for r in rows]
    children = {
        (key, entity): _group(
            await rows_where(session, entity, "location_id", ids, public=public), "location_id"
        )
        for key, entity in _LOCATION_CHILDREN
    }
    out: dict[str, Row] = {}
    for row in rows:
        item = to_hsds("location", public_location(row) if public else row)
        for (key, entity), grouped in children.items():
            found = grouped.get(row["id"], [])
            if public and entity == "address" and row.get("is_private"):
                found = [a for a in found if public_address(a, place_is_private=True)]
            item[key] = _many(entity, found)
        out[row["id"]] = item
    return out


async def full_services(session: AsyncSession, rows: list[Row], *, public: bool) -> list[Row]:
    """Fully nested HSDS services, in the order given."""
    ids = [r["id"] for r in rows]
    orgs = {
        r["id"]: to_hsds("organization", r)
        for r in await rows_where(
            session, "organization", "id", [r["organization_id"] for r in rows], public=public
        )
    }
    programs = {
        r["id"]: to_hsds("program", r)
        for r in await rows_where(
            session, "program", "id", [r["program_id"] for r in rows], public=public
        )
    }
    lists = {
        (key, entity): _group(
            await rows_where(session, entity, "service_id", ids, public=public), "service_id"
        )
        for key, entity in _SERVICE_CHILDREN
    }
    sals = await rows_where(session, "service_at_location", "service_id", ids, public=public)
    location_rows = await rows_where(
        session, "location", "id", [s["location_id"] for s in sals], public=public
    )
    locations = await full_locations(session, location_rows, public=public)
    sal_ids = [s["id"] for s in sals]
    sal_phones = _group(
        await rows_where(session, "phone", "service_at_location_id", sal_ids, public=public),
        "service_at_location_id",
    )
    sal_schedules = _group(
        await rows_where(session, "schedule", "service_at_location_id", sal_ids, public=public),
        "service_at_location_id",
    )
    attributes = await attributes_of(session, "service", ids)
    facts = await _program_facts(session, ids) if public else {}
    by_service = _group(sals, "service_id")
    out: list[Row] = []
    for row in rows:
        item = to_hsds("service", row)
        if row["organization_id"] in orgs:
            item["organization"] = orgs[row["organization_id"]]
        if row.get("program_id") in programs:
            item["program"] = programs[row["program_id"]]
        for (key, entity), grouped in lists.items():
            item[key] = _many(entity, grouped.get(row["id"], []))
        item["service_at_locations"] = [
            {
                **to_hsds("service_at_location", sal),
                "phones": _many("phone", sal_phones.get(sal["id"], [])),
                "schedules": _many("schedule", sal_schedules.get(sal["id"], [])),
                **(
                    {"location": locations[sal["location_id"]]}
                    if sal["location_id"] in locations
                    else {}
                ),
            }
            for sal in by_service.get(row["id"], [])
        ]
        item["attributes"] = attributes.get(row["id"], [])
        if public:
            add_profile(item, row)
            if row["id"] in facts:
                item["program_facts"] = facts[row["id"]]
        out.append(item)
    return out


def add_profile(item: Row, row: Row) -> None:
    """Our profile's service fields (intake, verification), beside the HSDS ones."""
    for name in SERVICE_PROFILE:
        if row.get(name) is not None:
            item[name] = json_value(row[name])


async def _program_facts(session: AsyncSession, ids: list[str]) -> dict[str, Row]:
    """Training-program facts of our profile, by service id."""
    facts = ProgramFacts.__table__  # type: ignore[attr-defined]
    out: dict[str, Row] = {}
    for start in range(0, len(ids), _CHUNK):
        result = await execute(
            session, sa.select(facts).where(facts.c.service_id.in_(ids[start : start + _CHUNK]))
        )
        for row in result.mappings():
            out[row["service_id"]] = {
                k: json_value(v)
                for k, v in row.items()
                if v is not None and k not in ("service_id", "created_at", "updated_at")
            }
    return out
