"""Geocoding used by the directory (on save and import) and by search (query places)."""

from providers.geocoding.base import Geocoder, GeocodeResult
from providers.geocoding.factory import FallbackGeocoder, build_geocoder

__all__ = ["FallbackGeocoder", "GeocodeResult", "Geocoder", "build_geocoder"]
