"""Distances on the WGS84 ellipsoid, fast enough to run per candidate row inside the engine."""

from __future__ import annotations

import math

_A = 6378.137  # WGS84 semi-major axis, km
_F = 1 / 298.257223563
_KM_PER_DEGREE_LAT = 110.574


def ellipsoid_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Lambert's ellipsoidal distance (within metres of geopy's geodesic at regional range)."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    b1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    b2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    dlon = math.radians(lon2 - lon1)
    h = math.sin((b2 - b1) / 2) ** 2 + math.cos(b1) * math.cos(b2) * math.sin(dlon / 2) ** 2
    sigma = 2 * math.asin(min(1.0, math.sqrt(h)))
    if sigma == 0.0:
        return 0.0
    p, q = (b1 + b2) / 2, (b2 - b1) / 2
    half = sigma / 2
    x = (sigma - math.sin(sigma)) * (math.sin(p) * math.cos(q)) ** 2 / math.cos(half) ** 2
    y = (sigma + math.sin(sigma)) * (math.cos(p) * math.sin(q)) ** 2 / math.sin(half) ** 2
    return _A * (sigma - _F / 2 * (x + y))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A box (min_lat, max_lat, min_lon, max_lon) surely containing the circle."""
    # Pad 1% so the box never cuts the circle on the ellipsoid.
    dlat = radius_km * 1.01 / _KM_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    dlon = min(180.0, radius_km * 1.01 / (111.320 * cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
