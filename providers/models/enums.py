"""Closed vocabularies of the directory (HSDS enums and our profile's codes)."""

from __future__ import annotations

from enum import StrEnum


class ServiceStatus(StrEnum):
    """HSDS service.status."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class LocationType(StrEnum):
    """HSDS location.location_type."""

    PHYSICAL = "physical"
    POSTAL = "postal"
    VIRTUAL = "virtual"


class AddressType(StrEnum):
    """HSDS address.address_type."""

    PHYSICAL = "physical"
    POSTAL = "postal"
    VIRTUAL = "virtual"


class GeocodePrecision(StrEnum):
    """How exact a coordinate is; the gazetteer gives ZIP or city centroids."""

    ROOFTOP = "rooftop"
    STREET = "street"
    ZIP = "zip"
    CITY = "city"
    PROVIDED = "provided"
    NONE = "none"


class GeocodeStatus(StrEnum):
    """Whether a location's coordinates are usable; failed ones are never placed at 0,0."""

    OK = "ok"
    PENDING = "pending"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


class CapacityStatus(StrEnum):
    """Gravity STU3 intake capacity codes."""

    CAPACITY = "capacity"
    WAITLIST = "waitlist"
    NO_CAPACITY = "no-capacity"
    ADDITIONAL_ASSESSMENT_REQUIRED = "additional-assessment-required"


class DeliveryMode(StrEnum):
    """How a service or training program is delivered."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"
    PHONE = "phone"


class ScheduleFit(StrEnum):
    """When a training program runs, for clients who work or care for children."""

    DAY = "day"
    EVENING = "evening"
    WEEKEND = "weekend"
    SELF_PACED = "self_paced"


class AidType(StrEnum):
    """Kinds of financial aid a training program accepts."""

    PELL = "pell"
    WIOA_ITA = "wioa_ita"
    SCHOLARSHIP = "scholarship"
    GI_BILL = "gi_bill"
    EMPLOYER = "employer"
    STATE_GRANT = "state_grant"


class ScheduleFrequency(StrEnum):
    """HSDS schedule.freq."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class Weekday(StrEnum):
    """RRULE weekday codes (HSDS schedule.wkst and byday)."""

    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"
