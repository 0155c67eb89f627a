"""Small typed builders of directory and identity rows for tests (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.identity.models import OrgRole, User
from hub.identity.principal import Principal
from hub.identity.service import create_user, grant_membership, issue_token, principal_for_user
from providers.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

BUILD_TIME = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


async def make_organization(
    session: AsyncSession, name: str = "Eastside CBO", **fields: Any
) -> Organization:
    """An organization."""
    org = Organization(name=name, description=fields.pop("description", "A partner."), **fields)
    session.add(org)
    await session.flush()
    return org


async def make_service(
    session: AsyncSession, organization: Organization, name: str = "Food pantry", **fields: Any
) -> Service:
    """A service of an organization (active unless told otherwise)."""
    service = Service(organization_id=organization.id, name=name, **fields)
    session.add(service)
    await session.flush()
    return service


async def make_location(
    session: AsyncSession,
    organization: Organization,
    name: str = "Main office",
    *,
    postal_code: str = "95112",
    latitude: float | None = 37.35,
    longitude: float | None = -121.89,
    **fields: Any,
) -> Location:
    """A location with one street address."""
    location = Location(
        organization_id=organization.id,
        name=name,
        latitude=latitude,
        longitude=longitude,
        **fields,
    )
    session.add(location)
    await session.flush()
    session.add(
        Address(
            location_id=location.id,
            address_1="100 Main St",
            city="San Jose",
            state_province="CA",
            postal_code=postal_code,
        )
    )
    await session.flush()
    return location


async def make_service_at_location(
    session: AsyncSession, service: Service, location: Location
) -> ServiceAtLocation:
    """Deliver a service at a location."""
    link = ServiceAtLocation(service_id=service.id, location_id=location.id)
    session.add(link)
    await session.flush()
    return link


async def make_phone(session: AsyncSession, number: str = "408-555-0100", **owner: Any) -> Phone:
    """A phone of a location, service or organization (pass location_id= etc.)."""
    phone = Phone(number=number, **owner)
    session.add(phone)
    await session.flush()
    return phone


async def need(session: AsyncSession, code: str) -> TaxonomyTerm:
    """A term of the shipped needs taxonomy, by code."""
    row = (await session.exec(select(TaxonomyTerm).where(col(TaxonomyTerm.code) == code))).first()
    assert row is not None, f"need {code!r} is not in the shipped taxonomy"
    return row


async def tag(session: AsyncSession, service: Service, term: TaxonomyTerm) -> Attribute:
    """Tag a service with a taxonomy term."""
    attribute = Attribute(
        link_id=service.id, taxonomy_term_id=term.id, link_type="need", link_entity="service"
    )
    session.add(attribute)
    await session.flush()
    return attribute


@dataclass(frozen=True, slots=True)
class Person:
    """A test user with a principal and a bearer token."""

    user: User
    principal: Principal
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that authenticate as this person."""
        return {"Authorization": f"Bearer {self.token}"}


async def make_person(
    session: AsyncSession,
    email: str,
    *,
    organization: Organization | None = None,
    role: OrgRole = OrgRole.ADMIN,
    is_hub_admin: bool = False,
    is_auditor: bool = False,
) -> Person:
    """A user (optionally with a role in an organization), their principal and a token."""
    user = await create_user(
        session=session,
        email=email,
        name=email.split("@")[0],
        password=PASSWORD,
        is_hub_admin=is_hub_admin,
        is_auditor=is_auditor,
    )
    if organization is not None:
        await grant_membership(
            session=session, user_id=user.id, organization_id=organization.id, role=role
        )
    # Tokens must outlive the real clock the app uses, so issue them from now.
    issued = await issue_token(
        session=session,
        user=user,
        name="test",
        ttl=timedelta(days=1),
        clock=FixedClock(datetime.now(UTC)),
    )
    principal = await principal_for_user(session=session, user=user)
    return Person(user=user, principal=principal, token=issued.token)
