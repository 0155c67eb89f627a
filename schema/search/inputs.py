"""Inputs of `searchServices`: where, what, and the filters."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.directory.enums import AidType, CapacityStatus, DeliveryMode, ScheduleFit
from search.models import ProgramFilters, SortOrder
from search.query import Near


@strawberry.enum(description="RELEVANCE blends text, distance, freshness and capacity.")
class SearchSort(Enum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"

    def to_domain(self) -> SortOrder:
        """The domain's sort order."""
        return SortOrder(self.value)


@strawberry.input(description="A WGS84 point.")
class GeoPointInput:
    latitude: float
    longitude: float


@strawberry.input(one_of=True, description="Where to search from: exactly one of these.")
class NearInput:
    point: GeoPointInput | None = strawberry.UNSET
    postal_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="A US ZIP code."
    )
    address: str | None = strawberry.field(
        default=strawberry.UNSET, description="An address, geocoded (or its ZIP / city)."
    )

    def to_domain(self) -> Near:
        """The domain's place request."""
        point = self.point if isinstance(self.point, GeoPointInput) else None
        return Near(
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
            postal_code=self.postal_code if isinstance(self.postal_code, str) else None,
            address=self.address if isinstance(self.address, str) else None,
        )


@strawberry.input(description="Filters on training-program facts.")
class ProgramFiltersInput:
    credential: str | None = None
    occupation_code: str | None = strawberry.field(
        default=None, description="SOC code or prefix, e.g. `29-` or `29-2061`."
    )
    schedule_fit: list[ScheduleFit] | None = None
    aid_accepted: list[AidType] | None = None
    earn_and_learn: bool | None = None
    max_total_cost: float | None = strawberry.field(
        default=None, description="Tuition plus every other cost, at most this much."
    )

    def to_domain(self) -> ProgramFilters:
        """The domain's program filters."""
        return ProgramFilters(
            credential=self.credential,
            occupation_code=self.occupation_code,
            schedule_fit=tuple(f.value for f in self.schedule_fit or ()),
            aid_accepted=tuple(a.value for a in self.aid_accepted or ()),
            earn_and_learn=self.earn_and_learn,
            max_total_cost=self.max_total_cost,
        )


@strawberry.input(description="What a coach is looking for, and where.")
class SearchServicesInput:
    needs: list[str] | None = strawberry.field(
        default=None, description="Need codes (any of them); a need includes its children."
    )
    text: str | None = strawberry.field(
        default=None, description="Words; each matches as a prefix."
    )
    near: NearInput | None = None
    radius_km: float | None = strawberry.field(
        default=None, description="Radius around `near` (default 25 km, at most 500)."
    )
    languages: list[str] | None = strawberry.field(
        default=None, description="Language codes or names, e.g. `es` or `Spanish` (any of them)."
    )
    free: bool = False
    max_cost: float | None = None
    open_now: bool = False
    open_evenings: bool = strawberry.field(default=False, description="Open after 18:00 some day.")
    age: int | None = None
    delivery_modes: list[DeliveryMode] | None = None
    accepting_referrals: bool = False
    capacity: list[CapacityStatus] | None = None
    program_filters: ProgramFiltersInput | None = None
