"""Identity tables: users, memberships in organizations, API tokens, auditor networks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.clock import utcnow
from hub.core.model_base import (
    Timestamped,
    UTCDateTime,
    enum_type,
    fk_field,
    id_field,
    optional_utc_field,
    utc_field,
)


class OrgRole(StrEnum):
    """A user's role inside one organization; coaches are staff."""

    ADMIN = "org_admin"
    STAFF = "org_staff"


class User(Timestamped, table=True):
    """A person who signs in: hub admin, org admin or staff, or auditor."""

    __tablename__ = "user_account"

    id: str = id_field()
    email: str = Field(max_length=255, unique=True, index=True)
    name: str = Field(max_length=255)
    password_hash: str = Field(max_length=255)
    preferred_language: str = Field(default="en", max_length=10)
    is_hub_admin: bool = False
    is_auditor: bool = False
    # An auditor sees only this network's aggregates; None means every organization.
    auditor_network_id: str | None = fk_field("network.id", ondelete="SET NULL")
    is_active: bool = True


class Membership(Timestamped, table=True):
    """A user's role in an organization."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", name="uq_membership"),)

    id: str = id_field()
    user_id: str = fk_field("user_account.id", nullable=False)
    organization_id: str = fk_field("organization.id", nullable=False)
    role: OrgRole = Field(default=OrgRole.STAFF, sa_type=enum_type(OrgRole))


class ApiToken(SQLModel, table=True):
    """An opaque bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: str = id_field()
    user_id: str = fk_field("user_account.id", nullable=False)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = optional_utc_field()
    last_used_at: datetime | None = optional_utc_field()


class Network(Timestamped, table=True):
    """A set of partner organizations audited together (a county workforce board's partners)."""

    __tablename__ = "network"

    id: str = id_field()
    name: str = Field(max_length=255, unique=True)
    description: str = Field(default="", max_length=2000)


class NetworkOrganization(SQLModel, table=True):
    """Membership of an organization in a network."""

    __tablename__ = "network_organization"

    network_id: str = Field(
        primary_key=True, foreign_key="network.id", ondelete="CASCADE", max_length=64
    )
    organization_id: str = Field(
        primary_key=True, foreign_key="organization.id", ondelete="CASCADE", max_length=64
    )


class LoginAttemptCounter(SQLModel, table=True):
    """Sign-in attempts of one account or client address in the current window (throttling).

    Shared through the database so every worker and replica counts the same attempts; keys are
    digests (`a:` account, `i:` address), never the email or address itself.
    """

    __tablename__ = "login_attempt_counter"

    key: str = Field(primary_key=True, max_length=80)
    attempts: int = Field(default=0)
    window_started_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
