"""An offline geopy geocoder over the bundled gazetteer: ZIP and city centroids, nearest ZIP."""

from __future__ import annotations

from typing import Any

from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from providers.geocoding.gazetteer import CityPlace, Gazetteer, ZipPlace, load_gazetteer
from providers.models.enums import GeocodePrecision


def place_raw(place: ZipPlace | CityPlace) -> dict[str, Any]:
    """The raw dict geopy hands back, in the shape our adapter reads."""
    if isinstance(place, ZipPlace):
        return {
            "precision": GeocodePrecision.ZIP.value,
            "postal_code": place.zip_code,
            "city": place.city,
            "county": place.county,
            "state": place.state,
            "timezone": place.timezone_name,
        }
    return {
        "precision": GeocodePrecision.CITY.value,
        "postal_code": None,
        "city": place.city,
        "county": place.county,
        "state": place.state,
        "timezone": place.timezone_name,
    }


def place_label(place: ZipPlace | CityPlace) -> str:
    """A display label such as "Oakland, CA 94601" or "Oakland, CA"."""
    if isinstance(place, ZipPlace):
        return f"{place.city}, {place.state} {place.zip_code}"
    return f"{place.city}, {place.state}"


class GazetteerGeocoder(Geocoder):  # type: ignore[misc]
    """A geopy geocoder answering from US ZIP centroids with no network at all."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self.gazetteer = gazetteer or load_gazetteer()

    def _location(self, place: ZipPlace | CityPlace) -> Location:
        point = (place.latitude, place.longitude)
        return Location(place_label(place), point, place_raw(place))

    def geocode(
        self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """Resolve a ZIP, "City, ST" or an address containing either to a centroid."""
        place = self.gazetteer.parse(str(query))
        if place is None:
            return None
        location = self._location(place)
        return location if exactly_one else [location]

    def reverse(
        self, query: Any, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """Return the ZIP whose centroid is nearest to the point."""
        point = Point(query)
        place = self.gazetteer.nearest(point.latitude, point.longitude)
        if place is None:
            return None
        location = self._location(place)
        return location if exactly_one else [location]
