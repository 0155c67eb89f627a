"""Validated input of places: addresses, locations, schedules (RRULE parts) and phones."""

from __future__ import annotations

import math
import re
from datetime import date, time
from typing import Annotated, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from providers.inputs import (
    Id,
    Name,
    Short,
    Strict,
    Text255,
    Text500,
    Text2000,
    Text5000,
    Url,
    check_timezone,
)
from providers.models.enums import AddressType, LocationType, ScheduleFrequency, Weekday

PHONE_TYPES = frozenset({"text", "voice", "fax", "cell", "video", "pager", "textphone"})
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class AddressInput(Strict):
    """A street or postal address."""

    attention: Text255 | None = None
    address_1: Name
    address_2: Text255 | None = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    region: Short | None = None
    state_province: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    postal_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    address_type: AddressType = AddressType.PHYSICAL
    is_private: bool = False

    def one_line(self) -> str:
        """The address as one line for a geocoder."""
        parts = [self.address_1, self.city, f"{self.state_province} {self.postal_code}"]
        return ", ".join(p for p in parts if p)


class LocationInput(Strict):
    """A location's fields and its (main) address."""

    organization_id: Id
    location_type: LocationType = LocationType.PHYSICAL
    name: Text255 | None = None
    alternate_name: Text255 | None = None
    description: Text5000 | None = None
    transportation: Text2000 | None = None
    url: Url | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    timezone_name: Annotated[str, StringConstraints(max_length=64)] | None = None
    is_private: bool = False
    address: AddressInput | None = None

    _tz = field_validator("timezone_name")(classmethod(lambda cls, v: check_timezone(v)))

    @field_validator("latitude", "longitude")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("OUT_OF_RANGE: Coordinates must be finite numbers.")
        return value

    @model_validator(mode="after")
    def _pair(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("REQUIRED longitude: Give both latitude and longitude, or neither.")
        if self.latitude == 0 and self.longitude == 0:
            raise ValueError(
                "OUT_OF_RANGE latitude: 0,0 is not a place we serve; leave coordinates empty."
            )
        return self


def _byday(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [p.strip().upper() for p in value.split(",") if p.strip()]
    if not parts or any(not _BYDAY.match(p) for p in parts):
        raise ValueError("INVALID: Use RRULE weekdays such as MO,TU or 1MO,-1FR.")
    return ",".join(parts)


def _int_list(value: str | None, low: int, high: int) -> str | None:
    if value is None:
        return None
    try:
        numbers = [int(p) for p in value.split(",") if p.strip()]
    except ValueError:
        raise ValueError("INVALID: Use comma-separated whole numbers.") from None
    if not numbers or any(n == 0 or not low <= n <= high for n in numbers):
        raise ValueError(f"OUT_OF_RANGE: Use numbers from {low} to {high}, never 0.")
    return ",".join(str(n) for n in numbers)


class ScheduleInput(Strict):
    """When something is open: RFC 5545 RRULE parts plus opening hours."""

    service_id: Id | None = None
    location_id: Id | None = None
    service_at_location_id: Id | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    dtstart: date | None = None
    timezone_name: Annotated[str, StringConstraints(max_length=64)] | None = None
    until: date | None = None
    count: int | None = Field(default=None, ge=1, le=10_000)
    wkst: Weekday | None = None
    freq: ScheduleFrequency | None = None
    interval: int | None = Field(default=None, ge=1, le=366)
    byday: Annotated[str, StringConstraints(max_length=100)] | None = None
    byweekno: Annotated[str, StringConstraints(max_length=100)] | None = None
    bymonthday: Annotated[str, StringConstraints(max_length=100)] | None = None
    byyearday: Annotated[str, StringConstraints(max_length=100)] | None = None
    description: Text2000 | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    schedule_link: Url | None = None
    attending_type: Short | None = None
    notes: Text2000 | None = None

    _tz = field_validator("timezone_name")(classmethod(lambda cls, v: check_timezone(v)))
    _byday = field_validator("byday")(classmethod(lambda cls, v: _byday(v)))
    _byweekno = field_validator("byweekno")(classmethod(lambda cls, v: _int_list(v, -53, 53)))
    _bymonthday = field_validator("bymonthday")(classmethod(lambda cls, v: _int_list(v, -31, 31)))
    _byyearday = field_validator("byyearday")(classmethod(lambda cls, v: _int_list(v, -366, 366)))

    @model_validator(mode="after")
    def _rules(self) -> Self:
        owners = [self.service_id, self.location_id, self.service_at_location_id]
        if sum(o is not None for o in owners) != 1:
            raise ValueError(
                "REQUIRED service_id: Name exactly one of service, location or service-at-location."
            )
        if self.until is not None and self.count is not None:
            raise ValueError("INVALID count: An RRULE may have UNTIL or COUNT, not both.")
        if self.freq is None and any([self.byday, self.bymonthday, self.byweekno, self.byyearday]):
            raise ValueError("REQUIRED freq: Give freq (WEEKLY or MONTHLY) with by-rules.")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("OUT_OF_RANGE valid_to: validFrom is after validTo.")
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValueError("REQUIRED closes_at: Give both opensAt and closesAt, or neither.")
        if (
            self.opens_at is not None
            and self.closes_at is not None
            and self.opens_at >= self.closes_at
        ):
            noted = " ".join(filter(None, [self.notes, self.description])).lower()
            if "overnight" not in noted:
                raise ValueError(
                    "OUT_OF_RANGE closes_at: opensAt must be before closesAt "
                    "(say 'overnight' in notes for hours past midnight)."
                )
        return self


class PhoneInput(Strict):
    """A phone number and what it belongs to."""

    location_id: Id | None = None
    service_id: Id | None = None
    organization_id: Id | None = None
    service_at_location_id: Id | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    extension: int | None = Field(default=None, ge=0, le=99_999_999)
    type: str | None = None
    description: Text500 | None = None
    is_private: bool = False

    @field_validator("number")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9+().\-\s]+", value) or sum(c.isdigit() for c in value) < 3:
            raise ValueError("INVALID: Use digits with optional + ( ) - . and spaces.")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in PHONE_TYPES:
            raise ValueError(f"INVALID_CHOICE: Use one of {', '.join(sorted(PHONE_TYPES))}.")
        return value

    @model_validator(mode="after")
    def _owner(self) -> Self:
        owners = [
            self.location_id,
            self.service_id,
            self.organization_id,
            self.service_at_location_id,
        ]
        if sum(o is not None for o in owners) != 1:
            raise ValueError(
                "REQUIRED location_id: Name exactly one of location, service, organization "
                "or service-at-location."
            )
        return self
