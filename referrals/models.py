"""Referral tables: clients, consents, referrals, append-only history, links and the access log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.model_base import (
    Timestamped,
    enum_type,
    fk_field,
    id_field,
    optional_utc_field,
    utc_field,
)
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus


class NotifyChannel(StrEnum):
    """How a client wants to hear about their referral."""

    EMAIL = "email"
    SMS = "sms"
    NONE = "none"


class ClientReport(StrEnum):
    """What a client says happened, through their link."""

    GOT_HELP = "got_help"
    COULD_NOT_REACH = "could_not_reach"
    NO_LONGER_NEEDED = "no_longer_needed"


class EventKind(StrEnum):
    """What a history entry records."""

    CREATED = "created"
    STATUS_CHANGE = "status_change"
    VIEWED = "viewed"
    NOTE = "note"
    CLIENT_CONFIRMED = "client_confirmed"
    CLIENT_OUTCOME = "client_outcome"
    CLIENT_RATING = "client_rating"
    CLIENT_CHANNEL = "client_channel"
    LINK_ISSUED = "link_issued"
    LINK_REVOKED = "link_revoked"


class ConsentScope(StrEnum):
    """What a client agreed to."""

    REFERRAL = "referral"
    SHARE_WITH_RECEIVER = "share-with-receiver"


class Client(Timestamped, table=True):
    """A person being referred; minimal personal data, owned by the organization that added them."""

    __tablename__ = "referral_client"

    id: str = id_field()
    organization_id: str = fk_field("organization.id", nullable=False)
    created_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    name: str = Field(max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=255)
    preferred_language: str = Field(default="en", max_length=10)
    preferred_channel: NotifyChannel = Field(
        default=NotifyChannel.NONE, sa_type=enum_type(NotifyChannel)
    )


class Consent(SQLModel, table=True):
    """A client's consent for a scope, as recorded by staff; revoking keeps the row."""

    __tablename__ = "referral_consent"

    id: str = id_field()
    client_id: str = fk_field("referral_client.id", nullable=False)
    scope: ConsentScope = Field(sa_type=enum_type(ConsentScope))
    given_at: datetime = utc_field()
    recorded_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    revoked_at: datetime | None = optional_utc_field()
    revoked_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")


class Referral(Timestamped, table=True):
    """A client sent by a sender organization to a service of a receiving organization."""

    __tablename__ = "referral"

    id: str = id_field()
    client_id: str = fk_field("referral_client.id", nullable=False)
    sender_organization_id: str = fk_field("organization.id", nullable=False)
    sender_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    service_id: str = fk_field("service.id", nullable=False)
    receiver_organization_id: str = fk_field("organization.id", nullable=False)
    # Free text seen by sender and receiver staff only; never in events or notifications.
    notes: str = Field(default="", max_length=5000)
    status: ReferralStatus = Field(
        default=ReferralStatus.DRAFT, sa_type=enum_type(ReferralStatus), index=True
    )
    outcome: ReferralOutcome | None = Field(
        default=None, sa_type=enum_type(ReferralOutcome), nullable=True
    )
    status_reason: str | None = Field(default=None, max_length=1000)
    # Bumped by every status change: the optimistic-concurrency token callers send back.
    version: int = Field(default=1)
    sent_at: datetime | None = optional_utc_field()
    viewed_at: datetime | None = optional_utc_field()
    first_action_at: datetime | None = optional_utc_field()
    closed_at: datetime | None = optional_utc_field()
    client_confirmed_at: datetime | None = optional_utc_field()
    client_report: ClientReport | None = Field(
        default=None, sa_type=enum_type(ClientReport), nullable=True
    )
    client_helped: bool | None = None


class ReferralNeed(SQLModel, table=True):
    """A need code (from the needs taxonomy) a referral addresses."""

    __tablename__ = "referral_need"

    referral_id: str = Field(
        primary_key=True, foreign_key="referral.id", ondelete="CASCADE", max_length=64
    )
    need_code: str = Field(primary_key=True, max_length=100, index=True)


class ReferralEvent(SQLModel, table=True):
    """One entry of a referral's append-only history."""

    __tablename__ = "referral_event"

    id: str = id_field()
    referral_id: str = fk_field("referral.id", nullable=False)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    actor_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    # "user", "client" or "system": who acted when no user did.
    actor_type: str = Field(default="user", max_length=10)
    role: ActorRole = Field(sa_type=enum_type(ActorRole))
    from_status: ReferralStatus | None = Field(
        default=None, sa_type=enum_type(ReferralStatus), nullable=True
    )
    to_status: ReferralStatus | None = Field(
        default=None, sa_type=enum_type(ReferralStatus), nullable=True
    )
    reason: str | None = Field(default=None, max_length=1000)
    outcome: ReferralOutcome | None = Field(
        default=None, sa_type=enum_type(ReferralOutcome), nullable=True
    )
    version: int
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    occurred_at: datetime = utc_field()


class ReferralNote(SQLModel, table=True):
    """A note on a referral, visible to sender and receiver staff."""

    __tablename__ = "referral_note"

    id: str = id_field()
    referral_id: str = fk_field("referral.id", nullable=False)
    author_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    author_organization_id: str | None = fk_field("organization.id", ondelete="SET NULL")
    body: str = Field(max_length=5000)
    created_at: datetime = utc_field()


class ClientLink(SQLModel, table=True):
    """The client's passwordless link to a referral; only the token's SHA-256 digest is kept."""

    __tablename__ = "referral_client_link"

    id: str = id_field()
    referral_id: str = fk_field("referral.id", nullable=False)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    issued_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = optional_utc_field()
    last_used_at: datetime | None = optional_utc_field()


class AccessLog(SQLModel, table=True):
    """Who read which client's personal data, when, and through what."""

    __tablename__ = "referral_access_log"

    id: str = id_field()
    user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    # "user", "client" (through their link) or "system".
    actor_type: str = Field(default="user", max_length=10)
    client_id: str = fk_field("referral_client.id", nullable=False)
    referral_id: str | None = fk_field("referral.id", ondelete="SET NULL")
    through: str = Field(max_length=100)
    accessed_at: datetime = utc_field()
