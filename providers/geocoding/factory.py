"""Builds the configured geocoder: gazetteer alone, or an online geopy service with fallback."""

from __future__ import annotations

import logging
from typing import Any

from geopy.exc import GeopyError
from geopy.geocoders import get_geocoder_for_service

from hub.core.db import SessionFactory
from providers.geocoding.adapter import GeopyAdapter, OfflineGeocoder
from providers.geocoding.base import Geocoder, GeocodeResult
from providers.geocoding.cache import CachedGeocoder

log = logging.getLogger(__name__)

_NUMERIC_OPTIONS = ("timeout",)


class FallbackGeocoder:
    """Tries the online geocoder; on an error or no answer uses the offline gazetteer."""

    def __init__(self, primary: Geocoder, fallback: Geocoder, *, name: str) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = name

    async def geocode(self, query: str) -> GeocodeResult | None:
        """Geocode, degrading to the gazetteer when the service fails."""
        try:
            found = await self.primary.geocode(query)
        except (GeopyError, OSError) as error:
            log.warning("geocoder %s failed (%s); using the offline gazetteer", self.name, error)
            return await self.fallback.geocode(query)
        return found if found is not None else await self.fallback.geocode(query)

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        """Reverse-geocode, degrading to the nearest ZIP when the service fails."""
        try:
            found = await self.primary.reverse(latitude, longitude)
        except (GeopyError, OSError) as error:
            log.warning("geocoder %s failed (%s); using the offline gazetteer", self.name, error)
            return await self.fallback.reverse(latitude, longitude)
        return found if found is not None else await self.fallback.reverse(latitude, longitude)


def _options(name: str, options: dict[str, str]) -> dict[str, Any]:
    parsed: dict[str, Any] = dict(options)
    for key in _NUMERIC_OPTIONS:
        if key in parsed:
            parsed[key] = float(parsed[key])
    if name == "nominatim":
        # Nominatim's usage policy asks for a real user agent; geopy warns without one.
        parsed.setdefault("user_agent", "referral-hub")
    return parsed


def build_geocoder(
    name: str,
    *,
    options: dict[str, str] | None = None,
    min_delay_seconds: float = 1.0,
    session_factory: SessionFactory | None = None,
) -> Geocoder:
    """Return the geocoder named by settings (`gazetteer`, `nominatim`, any geopy service)."""
    offline = OfflineGeocoder()
    if name in ("", "gazetteer", "offline"):
        return offline
    geopy_class = get_geocoder_for_service(name)
    service = geopy_class(**_options(name, options or {}))
    online: Geocoder = GeopyAdapter(service, name=name, min_delay_seconds=min_delay_seconds)
    if session_factory is not None:
        online = CachedGeocoder(online, provider=name, session_factory=session_factory)
    return FallbackGeocoder(online, offline, name=name)
