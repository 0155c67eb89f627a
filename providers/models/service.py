"""Services and their details (HSDS service, costs, languages, areas, capacity), program facts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from hub.core.model_base import Timestamped, enum_type, fk_field, id_field, optional_utc_field
from providers.models.enums import CapacityStatus, DeliveryMode, ServiceStatus


class Service(Timestamped, table=True):
    """Something an organization offers clients (HSDS service) with our intake profile."""

    __tablename__ = "service"

    id: str = id_field()
    organization_id: str = fk_field("organization.id", nullable=False)
    program_id: str | None = fk_field("program.id", ondelete="SET NULL")
    name: str = Field(max_length=255, index=True)
    alternate_name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=255)
    status: ServiceStatus = Field(default=ServiceStatus.ACTIVE, sa_type=enum_type(ServiceStatus))
    interpretation_services: str | None = Field(default=None, max_length=1000)
    application_process: str | None = Field(default=None, max_length=5000)
    fees_description: str | None = Field(default=None, max_length=5000)
    wait_time: str | None = Field(default=None, max_length=255)
    fees: str | None = Field(default=None, max_length=1000)
    accreditations: str | None = Field(default=None, max_length=1000)
    eligibility_description: str | None = Field(default=None, max_length=5000)
    minimum_age: int | None = None
    maximum_age: int | None = None
    assured_date: date | None = None
    assurer_email: str | None = Field(default=None, max_length=255)
    licenses: str | None = Field(default=None, max_length=1000)
    alert: str | None = Field(default=None, max_length=1000)
    last_modified: datetime | None = optional_utc_field()
    # Our profile: delivery, intake and verification.
    delivery_mode: DeliveryMode = Field(
        default=DeliveryMode.IN_PERSON, sa_type=enum_type(DeliveryMode)
    )
    accepts_referrals: bool = Field(default=False, index=True)
    referral_email: str | None = Field(default=None, max_length=255)
    capacity_status: CapacityStatus | None = Field(
        default=None, sa_type=enum_type(CapacityStatus), nullable=True
    )
    last_verified_at: datetime | None = optional_utc_field()
    last_verified_by: str | None = Field(default=None, max_length=255)
    version: int = Field(default=1)


class ProgramFacts(Timestamped, table=True):
    """Our profile's facts about a training program, one row per training service."""

    __tablename__ = "program_facts"

    service_id: str = Field(
        primary_key=True, foreign_key="service.id", ondelete="CASCADE", max_length=64
    )
    credential: str | None = Field(default=None, max_length=255)
    occupation_code: str | None = Field(default=None, max_length=20, index=True)
    occupation_title: str | None = Field(default=None, max_length=255)
    duration_weeks: int | None = None
    duration_hours: int | None = None
    # Comma-separated ScheduleFit values; kept flat so search documents copy them as they are.
    schedule_fit: str = Field(default="", max_length=100)
    tuition: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    other_costs: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    other_costs_description: str | None = Field(default=None, max_length=2000)
    # Comma-separated AidType values.
    aid_accepted: str = Field(default="", max_length=200)
    earn_and_learn: bool = False
    prerequisites: str | None = Field(default=None, max_length=2000)
    completion_rate: float | None = None
    placement_rate: float | None = None
    median_wage_after: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))


class ServiceCapacity(Timestamped, table=True):
    """Available and maximum places of a service (HSDS 3.1 service_capacity)."""

    __tablename__ = "service_capacity"

    id: str = id_field()
    service_id: str = fk_field("service.id", nullable=False)
    unit: str = Field(default="place", max_length=50)
    available: int
    maximum: int | None = None
    description: str | None = Field(default=None, max_length=1000)
    updated: datetime | None = optional_utc_field()


class CostOption(Timestamped, table=True):
    """A price of a service (HSDS cost_option); amount 0 means free."""

    __tablename__ = "cost_option"

    id: str = id_field()
    service_id: str = fk_field("service.id", nullable=False)
    valid_from: date | None = None
    valid_to: date | None = None
    option: str | None = Field(default=None, max_length=255)
    currency: str | None = Field(default=None, max_length=3)
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    amount_description: str | None = Field(default=None, max_length=1000)


class Language(Timestamped, table=True):
    """A language a service, location or phone line is offered in (HSDS language)."""

    __tablename__ = "language"

    id: str = id_field()
    service_id: str | None = fk_field("service.id")
    location_id: str | None = fk_field("location.id")
    phone_id: str | None = fk_field("phone.id")
    name: str | None = Field(default=None, max_length=100)
    code: str | None = Field(default=None, max_length=20, index=True)
    note: str | None = Field(default=None, max_length=500)


class ServiceArea(Timestamped, table=True):
    """Where a service is available (HSDS service_area): extents name ZIPs, counties or states."""

    __tablename__ = "service_area"

    id: str = id_field()
    service_id: str | None = fk_field("service.id")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=2000)
    extent: str | None = Field(default=None, max_length=10_000)
    extent_type: str | None = Field(default=None, max_length=50)
    uri: str | None = Field(default=None, max_length=500)


class RequiredDocument(Timestamped, table=True):
    """A document a client must bring (HSDS required_document)."""

    __tablename__ = "required_document"

    id: str = id_field()
    service_id: str | None = fk_field("service.id")
    document: str | None = Field(default=None, max_length=500)
    uri: str | None = Field(default=None, max_length=500)
