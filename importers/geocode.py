"""Geocode imported locations that came without coordinates, from their addresses, with a cache."""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.db import SessionFactory
from hub.core.events import record_event
from importers.report import ImportReport
from importers.sql import execute
from providers.geocoding import Geocoder, GeocodeResult
from providers.models import Address, Location
from providers.models.enums import AddressType, GeocodeStatus

_CHUNK = 200


def _queries(address: dict[str, str | None]) -> list[str]:
    """Most to least precise ways to ask for an address."""
    street = address.get("address_1") or ""
    city = address.get("city") or ""
    state = address.get("state_province") or ""
    postal = address.get("postal_code") or ""
    tail = " ".join(part for part in (state, postal) if part)
    queries = [", ".join(part for part in (street, city, tail) if part)]
    if postal:
        queries.append(postal)
    if city and state:
        queries.append(f"{city}, {state}")
    return [q for q in queries if q]


async def geocode_locations(
    *,
    session_factory: SessionFactory,
    geocoder: Geocoder,
    location_ids: list[str],
    report: ImportReport,
) -> None:
    """Place each location at its best address match; one short transaction per chunk."""
    addresses = Address.__table__  # type: ignore[attr-defined]
    locations = Location.__table__  # type: ignore[attr-defined]
    cache: dict[str, GeocodeResult | None] = {}
    for start in range(0, len(location_ids), _CHUNK):
        chunk = location_ids[start : start + _CHUNK]
        async with session_factory() as session:
            result = await execute(
                session, sa.select(addresses).where(addresses.c.location_id.in_(chunk))
            )
            best: dict[str, dict[str, str | None]] = {}
            for row in result.mappings():
                if row["location_id"] not in best or row["address_type"] == AddressType.PHYSICAL:
                    best[row["location_id"]] = dict(row)
        # Ask the geocoder with no transaction open: a caching geocoder may write itself.
        found: dict[str, GeocodeResult | None] = {}
        for location_id, address in best.items():
            place: GeocodeResult | None = None
            for query in _queries(address):
                if query not in cache:
                    cache[query] = await geocoder.geocode(query)
                place = cache[query]
                if place is not None:
                    break
            found[location_id] = place
        async with session_factory() as session:
            for location_id, place in found.items():
                where = locations.c.id == location_id
                if place is None:
                    report.geocode_failed += 1
                    await execute(
                        session,
                        sa.update(locations)
                        .where(where)
                        .values(geocode_status=GeocodeStatus.FAILED),
                    )
                    continue
                report.geocoded += 1
                await execute(
                    session,
                    sa.update(locations)
                    .where(where)
                    .values(
                        latitude=place.latitude,
                        longitude=place.longitude,
                        geocode_precision=place.precision,
                        geocode_status=GeocodeStatus.OK,
                        timezone_name=place.timezone_name,
                    ),
                )
                record_event(
                    session,
                    topic="location.updated",
                    aggregate_type="location",
                    aggregate_id=location_id,
                    payload={"via": "import-geocoding"},
                )
            await session.commit()
