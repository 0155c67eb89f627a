"""What a backend is asked (SearchRequest) and what it answers (SearchPage, hits, facets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SortOrder(StrEnum):
    """RELEVANCE blends text, distance, freshness and capacity; DISTANCE is nearest first."""

    RELEVANCE = "relevance"
    DISTANCE = "distance"


class Capability(StrEnum):
    """What a backend can do; callers check before asking for it."""

    FULL_TEXT = "full_text"
    PREFIX = "prefix"
    HIGHLIGHTS = "highlights"
    GEO_RADIUS = "geo_radius"
    FACETS = "facets"
    OPEN_NOW = "open_now"
    KEYSET_PAGING = "keyset_paging"
    SERVICE_AREAS = "service_areas"


FACET_NAMES = ("needs", "languages", "organizations", "delivery_modes")
# How many values each facet lists at most (the most frequent).
FACET_LIMITS = {"needs": 60, "languages": 40, "organizations": 25, "delivery_modes": 10}


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 point."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class PlaceContext:
    """The ZIP, county and state of the query point: area-served services match on these."""

    postal_code: str | None = None
    county: str | None = None
    state: str | None = None

    def area_keys(self) -> tuple[str, ...]:
        """Area keys as documents store them (`zip:94601`, `county:CA:alameda county` ...)."""
        keys = ["nation"]
        if self.postal_code:
            keys.append(f"zip:{self.postal_code}")
        if self.state:
            keys.append(f"state:{self.state.upper()}")
            if self.county:
                keys.append(f"county:{self.state.upper()}:{self.county.lower()}")
        return tuple(keys)


@dataclass(frozen=True, slots=True)
class ProgramFilters:
    """Filters on training-program facts."""

    credential: str | None = None
    occupation_code: str | None = None
    schedule_fit: tuple[str, ...] = ()
    aid_accepted: tuple[str, ...] = ()
    earn_and_learn: bool | None = None
    max_total_cost: float | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page stopped: its last sort key and document id."""

    sort_value: float
    document_id: str


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A validated, resolved search: codes known, place turned into a point, clock read."""

    text: str = ""
    needs: tuple[str, ...] = ()
    point: GeoPoint | None = None
    place: PlaceContext | None = None
    radius_km: float | None = None
    languages: tuple[str, ...] = ()
    free: bool = False
    max_cost: float | None = None
    open_now: bool = False
    open_evenings: bool = False
    now: datetime | None = None
    age: int | None = None
    delivery_modes: tuple[str, ...] = ()
    accepting_referrals: bool = False
    capacity: tuple[str, ...] = ()
    program: ProgramFilters | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    first: int = 20
    after: Cursor | None = None
    stale_before: datetime | None = None
    facets: bool = True


@dataclass(frozen=True, slots=True)
class Highlight:
    """Matched words of one field, wrapped in <mark>."""

    field: str
    fragments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One service at one location (or area-served service) that matched."""

    document_id: str
    service_id: str
    location_id: str | None
    organization_id: str
    service_name: str
    organization_name: str
    distance_km: float | None
    score: float
    highlights: tuple[Highlight, ...] = ()
    sort_value: float = 0.0


@dataclass(frozen=True, slots=True)
class FacetValue:
    """How many matches have this value."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of hits, the total match count, facet counts and the cursor of the next page."""

    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    next_cursor: Cursor | None = None
