"""Places and how to reach them: HSDS location, address, service_at_location, phone, schedule."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import Field

from hub.core.model_base import Timestamped, enum_type, fk_field, id_field
from providers.models.enums import (
    AddressType,
    GeocodePrecision,
    GeocodeStatus,
    LocationType,
    ScheduleFrequency,
    Weekday,
)


class Location(Timestamped, table=True):
    """A place where services are delivered, with coordinates and their precision."""

    __tablename__ = "location"

    id: str = id_field()
    location_type: LocationType = Field(
        default=LocationType.PHYSICAL, sa_type=enum_type(LocationType)
    )
    url: str | None = Field(default=None, max_length=500)
    organization_id: str | None = fk_field("organization.id")
    name: str | None = Field(default=None, max_length=255)
    alternate_name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=5000)
    transportation: str | None = Field(default=None, max_length=2000)
    latitude: float | None = Field(default=None, index=True)
    longitude: float | None = Field(default=None, index=True)
    external_identifier: str | None = Field(default=None, max_length=255)
    external_identifier_type: str | None = Field(default=None, max_length=100)
    # Our profile: how good the coordinates are, and whether geocoding failed.
    geocode_precision: GeocodePrecision = Field(
        default=GeocodePrecision.NONE, sa_type=enum_type(GeocodePrecision)
    )
    geocode_status: GeocodeStatus = Field(
        default=GeocodeStatus.PENDING, sa_type=enum_type(GeocodeStatus)
    )
    # The IANA time zone, used to tell whether the place is open now.
    timezone_name: str | None = Field(default=None, max_length=64)
    # Confidential places (shelters): stored, never shown to the public.
    is_private: bool = False


class Address(Timestamped, table=True):
    """A street or postal address of a location (HSDS address)."""

    __tablename__ = "address"

    id: str = id_field()
    location_id: str | None = fk_field("location.id")
    attention: str | None = Field(default=None, max_length=255)
    address_1: str = Field(max_length=255)
    address_2: str | None = Field(default=None, max_length=255)
    city: str = Field(max_length=100)
    region: str | None = Field(default=None, max_length=100)
    state_province: str = Field(max_length=100)
    postal_code: str = Field(max_length=20, index=True)
    country: str = Field(default="US", max_length=2)
    address_type: AddressType = Field(default=AddressType.PHYSICAL, sa_type=enum_type(AddressType))
    is_private: bool = False


class Accessibility(Timestamped, table=True):
    """Accessibility facts of a location (HSDS accessibility)."""

    __tablename__ = "accessibility"

    id: str = id_field()
    location_id: str | None = fk_field("location.id")
    description: str | None = Field(default=None, max_length=2000)
    details: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=500)


class ServiceAtLocation(Timestamped, table=True):
    """A service delivered at a location: the unit coaches find and refer to."""

    __tablename__ = "service_at_location"

    id: str = id_field()
    service_id: str = fk_field("service.id", nullable=False)
    location_id: str = fk_field("location.id", nullable=False)
    description: str | None = Field(default=None, max_length=5000)


class Phone(Timestamped, table=True):
    """A phone number (HSDS phone) of a location, service, organization or contact."""

    __tablename__ = "phone"

    id: str = id_field()
    location_id: str | None = fk_field("location.id")
    service_id: str | None = fk_field("service.id")
    organization_id: str | None = fk_field("organization.id")
    contact_id: str | None = fk_field("contact.id")
    service_at_location_id: str | None = fk_field("service_at_location.id")
    number: str = Field(max_length=50)
    extension: int | None = None
    type: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    is_private: bool = False


class Schedule(Timestamped, table=True):
    """When a service or location is open (HSDS schedule, RFC 5545 RRULE fields)."""

    __tablename__ = "schedule"

    id: str = id_field()
    service_id: str | None = fk_field("service.id")
    location_id: str | None = fk_field("location.id")
    service_at_location_id: str | None = fk_field("service_at_location.id")
    valid_from: date | None = None
    valid_to: date | None = None
    dtstart: date | None = None
    timezone: float | None = None
    # Our profile: the IANA zone name, since HSDS's numeric offset ignores daylight saving.
    timezone_name: str | None = Field(default=None, max_length=64)
    until: date | None = None
    count: int | None = None
    wkst: Weekday | None = Field(default=None, sa_type=enum_type(Weekday), nullable=True)
    freq: ScheduleFrequency | None = Field(
        default=None, sa_type=enum_type(ScheduleFrequency), nullable=True
    )
    interval: int | None = None
    byday: str | None = Field(default=None, max_length=100)
    byweekno: str | None = Field(default=None, max_length=100)
    bymonthday: str | None = Field(default=None, max_length=100)
    byyearday: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    opens_at: time | None = None
    closes_at: time | None = None
    schedule_link: str | None = Field(default=None, max_length=500)
    attending_type: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=2000)
