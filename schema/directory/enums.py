"""The directory's enums exposed to GraphQL (import them from here; register each only once)."""

from __future__ import annotations

import strawberry

from providers.models.enums import (
    AddressType,
    AidType,
    CapacityStatus,
    DeliveryMode,
    GeocodePrecision,
    GeocodeStatus,
    LocationType,
    ScheduleFit,
    ScheduleFrequency,
    ServiceStatus,
    Weekday,
)

for _enum in (
    AddressType,
    AidType,
    CapacityStatus,
    DeliveryMode,
    GeocodePrecision,
    GeocodeStatus,
    LocationType,
    ScheduleFit,
    ScheduleFrequency,
    ServiceStatus,
    Weekday,
):
    strawberry.enum(_enum)

__all__ = [
    "AddressType",
    "AidType",
    "CapacityStatus",
    "DeliveryMode",
    "GeocodePrecision",
    "GeocodeStatus",
    "LocationType",
    "ScheduleFit",
    "ScheduleFrequency",
    "ServiceStatus",
    "Weekday",
]
