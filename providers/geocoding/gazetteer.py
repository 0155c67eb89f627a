"""The bundled US gazetteer: ZIP centroids from the `zipcodes` package, indexed for lookups."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import zipcodes

_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_STATE_RE = re.compile(r"^([A-Za-z]{2})(?:\s+\d{5}(?:-\d{4})?)?$")
_CELL_DEGREES = 1.0


@dataclass(frozen=True, slots=True)
class ZipPlace:
    """One ZIP code with its centroid and where it lies."""

    zip_code: str
    latitude: float
    longitude: float
    city: str
    state: str
    county: str | None
    timezone_name: str | None
    # PO box and single-organization ZIPs sit on a post office; reverse lookups skip them.
    standard: bool = True


@dataclass(frozen=True, slots=True)
class CityPlace:
    """A city: the centroid of its ZIPs."""

    city: str
    state: str
    latitude: float
    longitude: float
    zip_codes: tuple[str, ...]
    county: str | None
    timezone_name: str | None


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / _CELL_DEGREES), math.floor(longitude / _CELL_DEGREES)


def _squared_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular is plenty to rank neighbours; exact distances use geopy.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return (x * x + y * y) * 6371.0**2


class Gazetteer:
    """ZIP, city and nearest-ZIP lookups over every US ZIP with a centroid (works offline)."""

    def __init__(self, places: list[ZipPlace]) -> None:
        self._by_zip = {p.zip_code: p for p in places}
        by_city: dict[tuple[str, str], list[ZipPlace]] = defaultdict(list)
        self._grid: dict[tuple[int, int], list[ZipPlace]] = defaultdict(list)
        for place in places:
            by_city[(place.city.lower(), place.state)].append(place)
            if place.standard:
                self._grid[_cell(place.latitude, place.longitude)].append(place)
        self._by_city = {key: _city_of(zips) for key, zips in by_city.items()}

    def __len__(self) -> int:
        return len(self._by_zip)

    def zip(self, zip_code: str) -> ZipPlace | None:
        """Return the place of a five-digit ZIP."""
        return self._by_zip.get(zip_code[:5])

    def city(self, city: str, state: str) -> CityPlace | None:
        """Return a city by name and two-letter state."""
        return self._by_city.get((city.strip().lower(), state.strip().upper()))

    def places(self) -> list[ZipPlace]:
        """Every ZIP place (for generators and tests)."""
        return list(self._by_zip.values())

    def nearest(self, latitude: float, longitude: float) -> ZipPlace | None:
        """Return the standard ZIP with the nearest centroid (searching rings of 1-degree cells)."""
        row, col = _cell(latitude, longitude)
        best: tuple[float, ZipPlace] | None = None
        for radius in range(0, 12):
            for r in range(row - radius, row + radius + 1):
                for c in range(col - radius, col + radius + 1):
                    if max(abs(r - row), abs(c - col)) != radius:
                        continue
                    for place in self._grid.get((r, c), ()):
                        d = _squared_km(latitude, longitude, place.latitude, place.longitude)
                        if best is None or d < best[0]:
                            best = (d, place)
            # Anything in a farther ring is at least `radius` cells away.
            if best is not None and math.sqrt(best[0]) < radius * _CELL_DEGREES * 85:
                break
        return best[1] if best else None

    def parse(self, query: str) -> ZipPlace | CityPlace | None:
        """Find the ZIP (preferred) or "City, ST" named in a free-text address."""
        zips = _ZIP_RE.findall(query)
        for candidate in reversed(zips):
            place = self.zip(candidate)
            if place is not None:
                return place
        parts = [p.strip() for p in query.split(",") if p.strip()]
        for index in range(len(parts) - 1, 0, -1):
            match = _STATE_RE.match(parts[index])
            if match:
                found = self.city(parts[index - 1], match.group(1))
                if found is not None:
                    return found
        return None


def _city_of(zips: list[ZipPlace]) -> CityPlace:
    first = zips[0]
    return CityPlace(
        city=first.city,
        state=first.state,
        latitude=round(sum(z.latitude for z in zips) / len(zips), 6),
        longitude=round(sum(z.longitude for z in zips) / len(zips), 6),
        zip_codes=tuple(sorted(z.zip_code for z in zips)),
        county=first.county,
        timezone_name=first.timezone_name,
    )


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Load (once per process) every active ZIP with coordinates from the `zipcodes` package."""
    places = []
    # A tenth of the ZIPs at a time (by first digit): the package hands out a dict of a dozen
    # fields per ZIP, and all 42k of them at once raised every process's peak memory by
    # about 90 MB for the few thousand objects kept.
    rows = (
        row
        for digit in "0123456789"
        for row in zipcodes.similar_to(digit)  # type: ignore[no-untyped-call]
    )
    for row in rows:
        try:
            latitude, longitude = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        if not row.get("active", True) or (latitude == 0.0 and longitude == 0.0):
            continue
        places.append(
            ZipPlace(
                zip_code=row["zip_code"],
                latitude=latitude,
                longitude=longitude,
                city=str(row["city"]).title(),
                state=row["state"],
                county=row.get("county") or None,
                timezone_name=row.get("timezone") or None,
                standard=row.get("zip_code_type") == "STANDARD",
            )
        )
    return Gazetteer(places)
