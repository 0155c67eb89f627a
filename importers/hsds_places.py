"""Public HSDS reads of services at locations (with proximity), organizations and taxonomies."""

from __future__ import annotations

import math
from collections import defaultdict

import sqlalchemy as sa
from geopy.distance import great_circle
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from importers.hsds_nested import (
    Row,
    attributes_of,
    full_locations,
    full_services,
    rows_where,
    table,
)
from importers.hsds_postcode import postcode_condition
from importers.hsds_read import (
    Query,
    page_of,
    page_rows,
    service_filter,
    service_list_items,
    text_match,
)
from importers.serialize import public_location, to_hsds
from importers.sql import execute
from providers.geocoding import Geocoder
from providers.models.enums import ServiceStatus

_KM_PER_DEGREE = 111.32


async def list_service_at_locations(
    *,
    session: AsyncSession,
    query: Query,
    geocoder: Geocoder | None = None,
    proximity_m: float | None = None,
    full: bool = False,
) -> Row:
    """A page of services at locations; with a point (or postcode) nearest first."""
    sals, services, locations = table("service_at_location"), table("service"), table("location")
    where: list[sa.ColumnElement[bool]] = [
        sals.c.service_id.in_(sa.select(services.c.id).where(*await service_filter(session, query)))
    ]
    lat, lng, radius_km = query.latitude, query.longitude, query.radius_km
    if query.postcode and proximity_m is None and lat is None:
        where.append(await postcode_condition(session, query.postcode, geocoder))
    elif query.postcode and proximity_m is not None:
        place = await geocoder.geocode(query.postcode) if geocoder is not None else None
        if place is None:
            raise ValidationFailed.single(
                "postcode", ErrorCode.UNKNOWN_PLACE, f"Postcode {query.postcode!r} is not known."
            )
        lat, lng, radius_km = place.latitude, place.longitude, proximity_m / 1000
    if lat is None or lng is None:
        rows, total = await page_rows(session, "service_at_location", where, query)
        return page_of(await _sal_items(session, rows, full=full), total, query)
    radius = radius_km if radius_km is not None else 25.0
    dlat = radius / _KM_PER_DEGREE
    dlng = radius / max(_KM_PER_DEGREE * abs(math.cos(math.radians(lat))), 1e-6)
    box = sa.select(locations.c.id, locations.c.latitude, locations.c.longitude).where(
        # A confidential place is invisible to every distance filter: any answer that depends
        # on its coordinates lets repeated queries (bisecting the radius) locate it.
        locations.c.is_private.is_(False),
        locations.c.latitude.between(lat - dlat, lat + dlat),
        locations.c.longitude.between(lng - dlng, lng + dlng),
    )
    near = {
        r["id"]: great_circle((lat, lng), (r["latitude"], r["longitude"])).km
        for r in (await execute(session, box)).mappings()
    }
    near = {lid: d for lid, d in near.items() if d <= radius}
    result = await execute(
        session, sa.select(sals).where(*where, sals.c.location_id.in_(list(near)))
    )
    rows = sorted(
        (dict(r) for r in result.mappings()), key=lambda r: (near[r["location_id"]], r["id"])
    )
    start = (query.page - 1) * query.per_page
    return page_of(
        await _sal_items(session, rows[start : start + query.per_page], full=full), len(rows), query
    )


async def _sal_items(session: AsyncSession, rows: list[Row], *, full: bool) -> list[Row]:
    location_rows = await rows_where(
        session, "location", "id", [r["location_id"] for r in rows], public=True
    )
    service_rows = await rows_where(
        session, "service", "id", [r["service_id"] for r in rows], public=True
    )
    if full:
        locations = await full_locations(session, location_rows, public=True)
        services = {s["id"]: s for s in await full_services(session, service_rows, public=True)}
    else:
        locations = {r["id"]: to_hsds("location", public_location(r)) for r in location_rows}
        services = {s["id"]: s for s in await service_list_items(session, service_rows)}
    items = []
    for row in rows:
        item = to_hsds("service_at_location", row)
        if row["location_id"] in locations:
            item["location"] = locations[row["location_id"]]
        if row["service_id"] in services:
            item["service"] = services[row["service_id"]]
        items.append(item)
    return items


async def get_service_at_location(*, session: AsyncSession, sal_id: str) -> Row:
    """One service at a location of an active service, fully nested."""
    sals, services = table("service_at_location"), table("service")
    row = (
        (
            await execute(
                session,
                sa.select(sals)
                .join(services, services.c.id == sals.c.service_id)
                .where(sals.c.id == sal_id, services.c.status == ServiceStatus.ACTIVE),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("service_at_location", sal_id)
    item = (await _sal_items(session, [dict(row)], full=True))[0]
    item["phones"] = [
        to_hsds("phone", p)
        for p in await rows_where(session, "phone", "service_at_location_id", [sal_id], public=True)
    ]
    item["schedules"] = [
        to_hsds("schedule", s)
        for s in await rows_where(
            session, "schedule", "service_at_location_id", [sal_id], public=True
        )
    ]
    return item


async def list_organizations(
    *, session: AsyncSession, query: Query, full: bool = False, full_service: bool = False
) -> Row:
    """A page of organizations (organization_list shape, nested with `full`, services too with
    `full_service`)."""
    orgs = table("organization")
    where = [text_match(query.search, orgs.c.name, orgs.c.description)] if query.search else []
    rows, total = await page_rows(session, "organization", where, query)
    items = (
        await _full_organizations(session, rows, full_service=full_service)
        if full or full_service
        else [to_hsds("organization", r) for r in rows]
    )
    return page_of(items, total, query)


async def get_organization(
    *, session: AsyncSession, organization_id: str, full_service: bool = False
) -> Row:
    """One organization with its public locations, phones, programs and active services."""
    rows = await rows_where(session, "organization", "id", [organization_id], public=True)
    if not rows:
        raise NotFound("organization", organization_id)
    return (await _full_organizations(session, rows, full_service=full_service))[0]


_ORGANIZATION_CHILDREN = (
    ("funding", "funding"),
    ("contacts", "contact"),
    ("phones", "phone"),
    ("programs", "program"),
    ("organization_identifiers", "organization_identifier"),
)


async def _full_organizations(
    session: AsyncSession, rows: list[Row], *, full_service: bool
) -> list[Row]:
    """Fully nested organizations, in the order given, each kind of child read once for all."""
    ids = [r["id"] for r in rows]

    async def children(entity: str) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for child in await rows_where(session, entity, "organization_id", ids, public=True):
            grouped[child["organization_id"]].append(child)
        return grouped

    kinds = {key: await children(entity) for key, entity in _ORGANIZATION_CHILDREN}
    location_rows = await children("location")
    locations = await full_locations(
        session, [r for group in location_rows.values() for r in group], public=True
    )
    service_rows = {
        oid: [s for s in group if s["status"] == ServiceStatus.ACTIVE]
        for oid, group in (await children("service")).items()
    }
    flat = [s for group in service_rows.values() for s in group]
    nested = (
        {s["id"]: s for s in await full_services(session, flat, public=True)}
        if full_service
        else {s["id"]: to_hsds("service", s) for s in flat}
    )
    attributes = await attributes_of(session, "organization", ids)
    items = []
    for row in rows:
        oid = row["id"]
        item = to_hsds("organization", row)
        for key, entity in _ORGANIZATION_CHILDREN:
            item[key] = [to_hsds(entity, r) for r in kinds[key].get(oid, [])]
        item["locations"] = [locations[r["id"]] for r in location_rows.get(oid, [])]
        item["services"] = [nested[s["id"]] for s in service_rows.get(oid, [])]
        item["attributes"] = attributes.get(oid, [])
        items.append(item)
    return items


async def list_taxonomies(*, session: AsyncSession, query: Query) -> Row:
    """A page of taxonomies."""
    t = table("taxonomy")
    where = [text_match(query.search, t.c.name, t.c.description)] if query.search else []
    rows, total = await page_rows(session, "taxonomy", where, query)
    return page_of([to_hsds("taxonomy", r) for r in rows], total, query)


async def get_taxonomy(*, session: AsyncSession, taxonomy_id: str) -> Row:
    """One taxonomy."""
    rows = await rows_where(session, "taxonomy", "id", [taxonomy_id], public=True)
    if not rows:
        raise NotFound("taxonomy", taxonomy_id)
    return to_hsds("taxonomy", rows[0])


async def list_taxonomy_terms(*, session: AsyncSession, query: Query) -> Row:
    """A page of taxonomy terms, by taxonomy, parent, or top level only."""
    t = table("taxonomy_term")
    where: list[sa.ColumnElement[bool]] = []
    if query.search:
        where.append(text_match(query.search, t.c.name, t.c.code, t.c.description))
    if query.taxonomy_id:
        where.append(t.c.taxonomy_id == query.taxonomy_id)
    if query.parent_id:
        where.append(t.c.parent_id == query.parent_id)
    if query.top_only:
        where.append(t.c.parent_id.is_(None))
    rows, total = await page_rows(session, "taxonomy_term", where, query)
    return page_of([to_hsds("taxonomy_term", r) for r in rows], total, query)


async def get_taxonomy_term(*, session: AsyncSession, term_id: str) -> Row:
    """One taxonomy term."""
    rows = await rows_where(session, "taxonomy_term", "id", [term_id], public=True)
    if not rows:
        raise NotFound("taxonomy_term", term_id)
    return to_hsds("taxonomy_term", rows[0])
