"""Organizations and what hangs off them: HSDS program, identifiers, funding, contact."""

from __future__ import annotations

from sqlmodel import Field

from hub.core.model_base import Timestamped, fk_field, id_field


class Organization(Timestamped, table=True):
    """A CBO, college, workforce center or other provider (HSDS organization)."""

    __tablename__ = "organization"

    id: str = id_field()
    name: str = Field(max_length=255, index=True)
    alternate_name: str | None = Field(default=None, max_length=255)
    description: str = Field(default="", max_length=10_000)
    email: str | None = Field(default=None, max_length=255)
    website: str | None = Field(default=None, max_length=500)
    tax_status: str | None = Field(default=None, max_length=100)
    tax_id: str | None = Field(default=None, max_length=100)
    year_incorporated: int | None = None
    legal_status: str | None = Field(default=None, max_length=100)
    logo: str | None = Field(default=None, max_length=500)
    uri: str | None = Field(default=None, max_length=500)
    parent_organization_id: str | None = fk_field("organization.id", ondelete="SET NULL")
    # Our profile: the kind of partner, so coaches can tell a college from a CBO.
    organization_type: str | None = Field(default=None, max_length=50)
    # Where referral notifications for the whole organization go when a service names none.
    referral_email: str | None = Field(default=None, max_length=255)


class Program(Timestamped, table=True):
    """A group of services run together by one organization (HSDS program)."""

    __tablename__ = "program"

    id: str = id_field()
    organization_id: str = fk_field("organization.id", nullable=False)
    name: str = Field(max_length=255)
    alternate_name: str | None = Field(default=None, max_length=255)
    description: str = Field(default="", max_length=10_000)


class OrganizationIdentifier(Timestamped, table=True):
    """An external identifier of an organization (EIN, charity number ...)."""

    __tablename__ = "organization_identifier"

    id: str = id_field()
    organization_id: str = fk_field("organization.id", nullable=False)
    identifier_scheme: str | None = Field(default=None, max_length=100)
    identifier_type: str = Field(max_length=100)
    identifier: str = Field(max_length=255)


class Funding(Timestamped, table=True):
    """A source of funding of an organization or service (HSDS funding)."""

    __tablename__ = "funding"

    id: str = id_field()
    organization_id: str | None = fk_field("organization.id")
    service_id: str | None = fk_field("service.id")
    source: str | None = Field(default=None, max_length=1000)


class Contact(Timestamped, table=True):
    """A named person to contact (HSDS contact)."""

    __tablename__ = "contact"

    id: str = id_field()
    organization_id: str | None = fk_field("organization.id")
    service_id: str | None = fk_field("service.id")
    service_at_location_id: str | None = fk_field("service_at_location.id")
    location_id: str | None = fk_field("location.id")
    name: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=255)
    department: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=255)
