"""Validated input of directory changes (pydantic): organizations, programs, services, capacity."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from providers.models.enums import (
    AidType,
    CapacityStatus,
    DeliveryMode,
    ScheduleFit,
    ServiceStatus,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text255 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Text5000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Text10k = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://\S+$")
]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Rate = Annotated[float, Field(ge=0, le=1)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]

_SOC = re.compile(r"^\d{2}-\d{4}(\.\d{2})?$")


class Strict(BaseModel):
    """Unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_timezone(value: str | None) -> str | None:
    """Accept IANA time zone names only (zoneinfo knows them)."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "INVALID_CHOICE: Use an IANA time zone name such as America/Chicago."
        ) from None
    return value


class OrganizationInput(Strict):
    """An organization's fields."""

    name: Name
    alternate_name: Text255 | None = None
    description: Text10k = ""
    email: Email | None = None
    website: Url | None = None
    tax_status: Short | None = None
    tax_id: Short | None = None
    year_incorporated: int | None = Field(default=None, ge=1600, le=2100)
    legal_status: Short | None = None
    logo: Url | None = None
    uri: Url | None = None
    organization_type: Annotated[str, StringConstraints(max_length=50)] | None = None
    referral_email: Email | None = None


class ProgramInput(Strict):
    """A program's fields."""

    organization_id: Id
    name: Name
    alternate_name: Text255 | None = None
    description: Text10k = ""


class ProgramFactsInput(Strict):
    """Training program facts."""

    credential: Text255 | None = None
    occupation_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    occupation_title: Text255 | None = None
    duration_weeks: int | None = Field(default=None, ge=0, le=520)
    duration_hours: int | None = Field(default=None, ge=0, le=10_000)
    schedule_fit: list[ScheduleFit] = Field(default_factory=list)
    tuition: Money | None = None
    other_costs: Money | None = None
    other_costs_description: Text2000 | None = None
    aid_accepted: list[AidType] = Field(default_factory=list)
    earn_and_learn: bool = False
    prerequisites: Text2000 | None = None
    completion_rate: Rate | None = None
    placement_rate: Rate | None = None
    median_wage_after: Money | None = None

    @field_validator("occupation_code")
    @classmethod
    def _soc(cls, value: str | None) -> str | None:
        if value is not None and not _SOC.match(value):
            raise ValueError("INVALID: Use a SOC or O*NET code such as 29-2061 or 29-2061.00.")
        return value


class ServiceInput(Strict):
    """A service's own fields (the organization is fixed at creation)."""

    organization_id: Id
    program_id: Id | None = None
    name: Name
    alternate_name: Text255 | None = None
    description: Text10k | None = None
    url: Url | None = None
    email: Email | None = None
    status: ServiceStatus = ServiceStatus.ACTIVE
    interpretation_services: Text1000 | None = None
    application_process: Text5000 | None = None
    fees_description: Text5000 | None = None
    wait_time: Text255 | None = None
    fees: Text1000 | None = None
    accreditations: Text1000 | None = None
    eligibility_description: Text5000 | None = None
    minimum_age: int | None = Field(default=None, ge=0, le=130)
    maximum_age: int | None = Field(default=None, ge=0, le=130)
    assured_date: date | None = None
    assurer_email: Email | None = None
    licenses: Text1000 | None = None
    alert: Text1000 | None = None
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON
    accepts_referrals: bool = False
    referral_email: Email | None = None
    capacity_status: CapacityStatus | None = None

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.minimum_age > self.maximum_age
        ):
            raise ValueError("OUT_OF_RANGE minimum_age: The minimum age is above the maximum age.")
        return self


class CapacityInput(Strict):
    """A service's intake capacity."""

    capacity_status: CapacityStatus | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = (
        "place"
    )
    available: int | None = Field(default=None, ge=0, le=1_000_000)
    maximum: int | None = Field(default=None, ge=0, le=1_000_000)
    description: Text1000 | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if (
            self.available is not None
            and self.maximum is not None
            and self.available > self.maximum
        ):
            raise ValueError("OUT_OF_RANGE available: More places available than the maximum.")
        if self.maximum is not None and self.available is None:
            raise ValueError("REQUIRED available: Give the available places with the maximum.")
        return self
