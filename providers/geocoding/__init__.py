"""Geocoding used by the directory (on save and import) and by search (query places)."""

from providers.geocoding.base import GeocodeResult, Geocoder

__all__ = ["GeocodeResult", "Geocoder"]
