"""The facade's `postcode` filter: service areas where a service has them, else public addresses."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.hsds_nested import table
from importers.sql import dialect_name, execute, one_of
from providers.geocoding import Geocoder
from search.areas import area_keys

# Extent types whose rows cannot be ruled out by looking for the ZIP in their text.
_WIDE_EXTENTS = ("state", "county", "nation", "national", "country")


async def postcode_keys(postcode: str, geocoder: Geocoder | None) -> set[str]:
    """Area keys a postcode lies in: its ZIP, and its county and state when the gazetteer knows."""
    keys = {"nation", f"zip:{postcode.strip()[:5]}"}
    place = await geocoder.geocode(postcode) if geocoder is not None else None
    if place is not None and place.state:
        keys.add(f"state:{place.state.upper()}")
        if place.county:
            keys.add(f"county:{place.state.upper()}:{place.county.lower()}")
    return keys


async def _covering_services(session: AsyncSession, postcode: str, keys: set[str]) -> list[str]:
    """Ids of services one of whose service areas covers the postcode."""
    areas = table("service_area")
    zip5 = postcode.strip()[:5]
    candidates = sa.select(
        areas.c.service_id, areas.c.extent_type, areas.c.extent, areas.c.name
    ).where(
        areas.c.service_id.is_not(None),
        sa.or_(
            sa.func.lower(areas.c.extent_type).in_(_WIDE_EXTENTS),
            areas.c.extent.contains(zip5, autoescape=True),
            areas.c.name.contains(zip5, autoescape=True),
        ),
    )
    rows = (await execute(session, candidates)).mappings()
    return sorted(
        {
            r["service_id"]
            for r in rows
            if keys.intersection(area_keys(r["extent_type"], r["extent"], r["name"]))
        }
    )


async def postcode_condition(
    session: AsyncSession, postcode: str, geocoder: Geocoder | None
) -> sa.ColumnElement[bool]:
    """Services at locations for a postcode (HSDS: use service areas where available).

    A service with service areas matches where one of them covers the postcode; a service
    without any matches at its public locations whose public address has that postcode.
    Confidential locations never match: a postcode would narrow down where they are.
    """
    sals, areas = table("service_at_location"), table("service_area")
    locations, addresses = table("location"), table("address")
    covered = await _covering_services(session, postcode, await postcode_keys(postcode, geocoder))
    with_areas = sa.select(areas.c.service_id).where(areas.c.service_id.is_not(None))
    at_address = sa.select(addresses.c.location_id).where(
        addresses.c.postal_code == postcode.strip(),
        addresses.c.is_private.is_(False),
        addresses.c.location_id.in_(
            sa.select(locations.c.id).where(locations.c.is_private.is_(False))
        ),
    )
    return sa.or_(
        one_of(await dialect_name(session), sals.c.service_id, covered),
        sa.and_(sals.c.service_id.not_in(with_areas), sals.c.location_id.in_(at_address)),
    )
