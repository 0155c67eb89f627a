"""Public HSDS reads for the REST facade: pages of active services, places, organizations, terms."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import SessionFactory
from hub.core.errors import NotFound
from importers.hsds_nested import (
    Row,
    full_services,
    rows_where,
    table,
)
from importers.serialize import to_hsds
from importers.sql import execute
from providers.models.enums import ServiceStatus

HSDS_VERSION = "3.0"
_STREAM_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Query:
    """Filters shared by the list endpoints (HSDS parameters plus our lat/lng/radius profile)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    parent_id: str | None = None
    top_only: bool = False
    page: int = 1
    per_page: int = 50
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    postcode: str | None = None


def page_of(items: list[Row], total: int, query: Query) -> Row:
    """The HSDS Page shape around one page of contents."""
    pages = max(1, math.ceil(total / query.per_page)) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": query.page,
        "size": len(items),
        "first_page": query.page == 1,
        "last_page": query.page >= pages,
        # A page past the end is empty too, though the result set is not.
        "empty": not items,
        "contents": items,
    }


def text_match(q: str, *columns: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match on any of the columns."""
    # autoescape: a "%" or "_" typed by a caller is matched literally, not as a wildcard.
    return sa.or_(*(sa.func.lower(c).contains(q.lower(), autoescape=True) for c in columns))


async def _term_ids(session: AsyncSession, term_id: str) -> list[str]:
    """The term and its descendants: asking for a parent need includes its children."""
    terms = table("taxonomy_term")
    found, frontier = [term_id], [term_id]
    while frontier and len(found) < 5000:
        result = await execute(
            session, sa.select(terms.c.id).where(terms.c.parent_id.in_(frontier))
        )
        frontier = [t for t in result.scalars() if t not in found]
        found.extend(frontier)
    return found


async def service_filter(session: AsyncSession, query: Query) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of public service lists (active only) for a query."""
    services, attributes, terms = table("service"), table("attribute"), table("taxonomy_term")
    where: list[sa.ColumnElement[bool]] = [services.c.status == ServiceStatus.ACTIVE]
    if query.search:
        where.append(text_match(query.search, services.c.name, services.c.description))
    if query.organization_id:
        where.append(services.c.organization_id == query.organization_id)
    if query.modified_after is not None:
        # What the service shows as last_modified (the hub's own edit time when the source
        # gave none), so every result really was modified on or after the cutoff.
        shown = sa.func.coalesce(services.c.last_modified, services.c.updated_at)
        where.append(shown >= query.modified_after)
    linked = sa.select(attributes.c.link_id).where(attributes.c.link_entity == "service")
    if query.taxonomy_term_id:
        ids = await _term_ids(session, query.taxonomy_term_id)
        where.append(services.c.id.in_(linked.where(attributes.c.taxonomy_term_id.in_(ids))))
    if query.taxonomy_id:
        in_taxonomy = sa.select(terms.c.id).where(terms.c.taxonomy_id == query.taxonomy_id)
        where.append(
            services.c.id.in_(linked.where(attributes.c.taxonomy_term_id.in_(in_taxonomy)))
        )
    return where


async def page_rows(
    session: AsyncSession, entity: str, where: list[sa.ColumnElement[bool]], query: Query
) -> tuple[list[Row], int]:
    """One page of rows of an entity and the total count."""
    t = table(entity)
    total = (
        await execute(session, sa.select(sa.func.count()).select_from(t).where(*where))
    ).scalar_one()
    result = await execute(
        session,
        sa.select(t)
        .where(*where)
        .order_by(t.c.id)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page),
    )
    return [dict(r) for r in result.mappings()], int(total)


async def service_list_items(session: AsyncSession, rows: list[Row]) -> list[Row]:
    """Services in the service_list shape (with organization and program)."""
    orgs = {
        r["id"]: r
        for r in await rows_where(
            session, "organization", "id", [r["organization_id"] for r in rows], public=True
        )
    }
    programs = {
        r["id"]: r
        for r in await rows_where(
            session, "program", "id", [r["program_id"] for r in rows], public=True
        )
    }
    items = []
    for row in rows:
        item = to_hsds("service", row)
        if row["organization_id"] in orgs:
            item["organization"] = to_hsds("organization", orgs[row["organization_id"]])
        if row.get("program_id") in programs:
            item["program"] = to_hsds("program", programs[row["program_id"]])
        items.append(item)
    return items


async def list_services(
    *, session: AsyncSession, query: Query, full: bool = False, minimal: bool = False
) -> Row:
    """A page of active services (service_list shape, or fully nested with `full`)."""
    rows, total = await page_rows(session, "service", await service_filter(session, query), query)
    if minimal:
        items = [
            {
                k: v
                for k, v in to_hsds("service", r).items()
                if k in ("id", "name", "status", "last_modified")
            }
            for r in rows
        ]
    elif full:
        items = await full_services(session, rows, public=True)
    else:
        items = await service_list_items(session, rows)
    return page_of(items, total, query)


async def stream_services(
    *, session_factory: SessionFactory, query: Query, full: bool = False
) -> AsyncIterator[Row]:
    """Every matching service, one at a time (ndjson), read in keyset chunks."""
    services = table("service")
    last = ""
    while True:
        async with session_factory() as session:
            where = await service_filter(session, query)
            result = await execute(
                session,
                sa.select(services)
                .where(*where, services.c.id > last)
                .order_by(services.c.id)
                .limit(_STREAM_CHUNK),
            )
            rows = [dict(r) for r in result.mappings()]
            if not rows:
                return
            items = (
                await full_services(session, rows, public=True)
                if full
                else await service_list_items(session, rows)
            )
        for item in items:
            yield item
        last = rows[-1]["id"]


async def get_service(*, session: AsyncSession, service_id: str) -> Row:
    """One active service, fully nested."""
    services = table("service")
    row = (
        (
            await execute(
                session,
                sa.select(services).where(
                    services.c.id == service_id, services.c.status == ServiceStatus.ACTIVE
                ),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("service", service_id)
    return (await full_services(session, [dict(row)], public=True))[0]
