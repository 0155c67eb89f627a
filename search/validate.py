"""Turns a SearchQuery into a SearchRequest: checks every field, resolves the place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.core.errors import Collector, ErrorCode
from providers.geocoding.base import Geocoder
from providers.geocoding.gazetteer import Gazetteer
from providers.models import CapacityStatus, DeliveryMode
from search.cursor import decode_cursor
from search.languages import normalize_language
from search.models import Cursor, GeoPoint, PlaceContext, SearchRequest, SortOrder
from search.needs import NeedTree
from search.query import (
    DEFAULT_RADIUS_KM,
    MAX_PAGE_SIZE,
    MAX_RADIUS_KM,
    MAX_TEXT_LENGTH,
    Near,
    SearchQuery,
)


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    """The query point and the ZIP / county / state it falls in."""

    point: GeoPoint
    place: PlaceContext


async def resolve_near(
    near: Near, *, geocoder: Geocoder, gazetteer: Gazetteer, errors: Collector
) -> ResolvedPlace | None:
    """Resolve a point, ZIP or address; record a field error when it cannot be."""
    has_point = near.latitude is not None or near.longitude is not None
    given = sum((has_point, near.postal_code is not None, near.address is not None))
    if given != 1 or (has_point and (near.latitude is None or near.longitude is None)):
        errors.add(
            "near",
            ErrorCode.INVALID,
            "Give exactly one of latitude+longitude, postalCode or address.",
        )
        return None
    if near.latitude is not None and near.longitude is not None:
        if not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
            errors.add(
                "near", ErrorCode.OUT_OF_RANGE, "Latitude must be within ±90 and longitude ±180."
            )
            return None
        zip_place = gazetteer.nearest(near.latitude, near.longitude)
        place = (
            PlaceContext(zip_place.zip_code, zip_place.county, zip_place.state)
            if zip_place
            else PlaceContext()
        )
        return ResolvedPlace(GeoPoint(near.latitude, near.longitude), place)
    if near.postal_code is not None:
        found = (
            gazetteer.zip(near.postal_code.strip())
            if near.postal_code.strip()[:5].isdigit()
            else None
        )
        if found is None:
            errors.add(
                "near.postalCode",
                ErrorCode.UNKNOWN_PLACE,
                f"ZIP {near.postal_code!r} is not a known US ZIP code.",
            )
            return None
        return ResolvedPlace(
            GeoPoint(found.latitude, found.longitude),
            PlaceContext(found.zip_code, found.county, found.state),
        )
    result = await geocoder.geocode(near.address or "")
    if result is None:
        errors.add("near.address", ErrorCode.UNKNOWN_PLACE, "No place was found for this address.")
        return None
    return ResolvedPlace(
        GeoPoint(result.latitude, result.longitude),
        PlaceContext(result.postal_code, result.county, result.state),
    )


def _check_choices(
    errors: Collector, field: str, values: tuple[str, ...], allowed: set[str]
) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.add(
            field,
            ErrorCode.INVALID_CHOICE,
            f"Unknown value(s) {', '.join(unknown)}; use one of {', '.join(sorted(allowed))}.",
        )


def _after(errors: Collector, text: str | None) -> Cursor | None:
    if text is None:
        return None
    try:
        return decode_cursor(text)
    except ValueError as error:
        errors.add("after", ErrorCode.INVALID, str(error))
        return None


async def to_request(
    query: SearchQuery,
    *,
    tree: NeedTree,
    geocoder: Geocoder,
    gazetteer: Gazetteer,
    now: datetime,
    stale_after_days: int,
) -> SearchRequest:
    """Validate a query (raising ValidationFailed with every problem) and resolve its place."""
    errors = Collector()
    unknown = [c for c in query.needs if c not in tree.names]
    if unknown:
        errors.add("needs", ErrorCode.UNKNOWN_NEED, f"Unknown need code(s): {', '.join(unknown)}.")
    radius = query.radius_km
    if radius is not None and not (0 < radius <= MAX_RADIUS_KM):
        errors.add(
            "radiusKm",
            ErrorCode.OUT_OF_RANGE,
            f"The radius must be more than 0 and at most {MAX_RADIUS_KM:g} km.",
        )
    if query.near is None and radius is not None:
        errors.add("near", ErrorCode.REQUIRED, "A radius needs a place to measure from.")
    if query.near is None and query.sort is SortOrder.DISTANCE:
        errors.add("near", ErrorCode.REQUIRED, "Sorting by distance needs a place.")
    if not (1 <= query.first <= MAX_PAGE_SIZE):
        errors.add(
            "first", ErrorCode.OUT_OF_RANGE, f"Ask for 1 to {MAX_PAGE_SIZE} results per page."
        )
    if len(query.text) > MAX_TEXT_LENGTH:
        errors.add("text", ErrorCode.TOO_LONG, f"Use at most {MAX_TEXT_LENGTH} characters.")
    if query.age is not None and not (0 <= query.age <= 130):
        errors.add("age", ErrorCode.OUT_OF_RANGE, "Age must be between 0 and 130.")
    if query.max_cost is not None and query.max_cost < 0:
        errors.add("maxCost", ErrorCode.OUT_OF_RANGE, "The maximum cost cannot be negative.")
    _check_choices(errors, "deliveryModes", query.delivery_modes, {m.value for m in DeliveryMode})
    _check_choices(errors, "capacity", query.capacity, {c.value for c in CapacityStatus})
    after = _after(errors, query.after)
    resolved = None
    if query.near is not None:
        resolved = await resolve_near(
            query.near, geocoder=geocoder, gazetteer=gazetteer, errors=errors
        )
    errors.raise_if_any()
    languages = tuple(sorted({code for x in query.languages if (code := normalize_language(x))}))
    return SearchRequest(
        text=query.text.strip(),
        needs=tuple(dict.fromkeys(query.needs)),
        point=resolved.point if resolved else None,
        place=resolved.place if resolved else None,
        radius_km=(radius or DEFAULT_RADIUS_KM) if resolved else None,
        languages=languages,
        free=query.free,
        max_cost=query.max_cost,
        open_now=query.open_now,
        open_evenings=query.open_evenings,
        now=now,
        age=query.age,
        delivery_modes=query.delivery_modes,
        accepting_referrals=query.accepting_referrals,
        capacity=query.capacity,
        program=query.program,
        sort=query.sort,
        first=query.first,
        after=after,
        stale_before=now - timedelta(days=stale_after_days),
        facets=query.facets,
    )
