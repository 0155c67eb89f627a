"""The geocoder protocol every implementation (offline gazetteer, geopy services) follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from providers.models.enums import GeocodePrecision


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """A place found for a query, with how exact it is."""

    latitude: float
    longitude: float
    precision: GeocodePrecision
    label: str
    postal_code: str | None = None
    county: str | None = None
    state: str | None = None
    timezone_name: str | None = None


class Geocoder(Protocol):
    """Turns addresses, ZIPs and "City, ST" into coordinates, and back."""

    async def geocode(self, query: str) -> GeocodeResult | None:
        """Return the best match for a free-text place, or None when nothing matches."""
        ...

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        """Return the nearest known place (ZIP centroid at least) to a point."""
        ...
