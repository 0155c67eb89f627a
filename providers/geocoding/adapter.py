"""Async adapter: any geopy geocoder (rate limited, off the event loop) as our Geocoder protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder as GeopyGeocoder
from geopy.location import Location

from providers.geocoding.base import GeocodeResult
from providers.geocoding.gazetteer import Gazetteer, load_gazetteer
from providers.geocoding.offline import GazetteerGeocoder
from providers.models.enums import GeocodePrecision

# Nominatim's `addresstype` / `type` words mapped to how exact the point is.
_PRECISION_WORDS = {
    "house": GeocodePrecision.ROOFTOP,
    "building": GeocodePrecision.ROOFTOP,
    "house_number": GeocodePrecision.ROOFTOP,
    "road": GeocodePrecision.STREET,
    "street": GeocodePrecision.STREET,
    "postcode": GeocodePrecision.ZIP,
    "city": GeocodePrecision.CITY,
    "town": GeocodePrecision.CITY,
    "village": GeocodePrecision.CITY,
    "municipality": GeocodePrecision.CITY,
}


def precision_of(raw: Any) -> GeocodePrecision:
    """Tell how exact a geopy result is from its raw payload (street when unknown)."""
    if isinstance(raw, dict):
        if "precision" in raw:
            return GeocodePrecision(raw["precision"])
        for key in ("addresstype", "type"):
            word = raw.get(key)
            if isinstance(word, str) and word in _PRECISION_WORDS:
                return _PRECISION_WORDS[word]
    return GeocodePrecision.STREET


def to_result(location: Location, gazetteer: Gazetteer) -> GeocodeResult:
    """Convert a geopy Location, filling ZIP, county, state and time zone from the gazetteer."""
    raw = location.raw if isinstance(location.raw, dict) else {}
    near = gazetteer.nearest(location.latitude, location.longitude)
    return GeocodeResult(
        latitude=float(location.latitude),
        longitude=float(location.longitude),
        precision=precision_of(raw),
        label=str(location.address),
        postal_code=raw.get("postal_code", near.zip_code if near else None),
        county=raw.get("county", near.county if near else None),
        state=raw.get("state", near.state if near else None),
        timezone_name=raw.get("timezone", near.timezone_name if near else None),
    )


class GeopyAdapter:
    """Runs a synchronous geopy geocoder in a worker thread behind geopy's RateLimiter."""

    def __init__(
        self,
        geocoder: GeopyGeocoder,
        *,
        name: str,
        min_delay_seconds: float = 1.0,
        max_retries: int = 1,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.name = name
        self.geocoder = geocoder
        self.gazetteer = gazetteer or load_gazetteer()
        # The RateLimiter is thread-safe; errors are raised (not swallowed) so callers can
        # fall back to the gazetteer.
        limits: dict[str, Any] = {
            "min_delay_seconds": min_delay_seconds,
            "max_retries": max_retries,
            "error_wait_seconds": max(min_delay_seconds, 0.01),
            "swallow_exceptions": False,
        }
        self._geocode: Callable[..., Any] = RateLimiter(geocoder.geocode, **limits)
        self._reverse: Callable[..., Any] = RateLimiter(geocoder.reverse, **limits)

    async def geocode(self, query: str) -> GeocodeResult | None:
        """Geocode free text through the wrapped service."""
        found = await asyncio.to_thread(self._geocode, query, exactly_one=True)
        return to_result(found, self.gazetteer) if found is not None else None

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        """Reverse-geocode a point through the wrapped service."""
        found = await asyncio.to_thread(self._reverse, (latitude, longitude), exactly_one=True)
        return to_result(found, self.gazetteer) if found is not None else None


class OfflineGeocoder:
    """The gazetteer as an async Geocoder; it never blocks on I/O so it runs inline."""

    name = "gazetteer"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        # Loaded on first use: building the ZIP index takes a second or two.
        self._gazetteer = gazetteer
        self._geopy: GazetteerGeocoder | None = None

    @property
    def gazetteer(self) -> Gazetteer:
        """The ZIP index (loaded once per process)."""
        if self._gazetteer is None:
            self._gazetteer = load_gazetteer()
        return self._gazetteer

    def _service(self) -> GazetteerGeocoder:
        if self._geopy is None:
            self._geopy = GazetteerGeocoder(self.gazetteer)
        return self._geopy

    async def geocode(self, query: str) -> GeocodeResult | None:
        """Resolve a ZIP, "City, ST" or an address with one of them."""
        found = self._service().geocode(query)
        return to_result(found, self.gazetteer) if isinstance(found, Location) else None

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        """Return the nearest ZIP centroid."""
        found = self._service().reverse((latitude, longitude))
        return to_result(found, self.gazetteer) if isinstance(found, Location) else None
