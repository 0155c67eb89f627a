"""Notification tables: organization webhooks, the (event, subscriber) delivery log, SLA notices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.model_base import (
    Timestamped,
    enum_type,
    fk_field,
    id_field,
    optional_utc_field,
    utc_field,
)


class Channel(StrEnum):
    """How a delivery reaches its subscriber."""

    WEBHOOK = "webhook"
    EMAIL = "email"
    SMS = "sms"
    INAPP = "inapp"


class DeliveryStatus(StrEnum):
    """Where a delivery is in its life."""

    PENDING = "pending"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class WebhookSubscription(Timestamped, table=True):
    """An organization's HTTPS endpoint for referral events, signed with its own secret.

    The secret is stored as given (HMAC signing needs the plain value); it is shown once, when
    the subscription is created, and never returned again by any API.
    """

    __tablename__ = "webhook_subscription"

    id: str = id_field()
    organization_id: str = fk_field("organization.id", nullable=False)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    # Empty means every referral topic.
    topics: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    active: bool = Field(default=True, index=True)
    failure_count: int = 0
    disabled_at: datetime | None = optional_utc_field()
    created_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")


class NotificationDelivery(SQLModel, table=True):
    """One event sent to one subscriber; the unique key makes every redelivery a no-op once sent."""

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("event_id", "subscriber_key", name="uq_delivery_event_key"),)

    id: str = id_field()
    event_id: str = fk_field("outbox_event.id", nullable=False)
    # Ids only, never addresses: e.g. "webhook:<subscription id>", "email:user:<id>".
    subscriber_key: str = Field(max_length=200)
    channel: Channel = Field(sa_type=enum_type(Channel))
    topic: str = Field(max_length=100)
    organization_id: str | None = fk_field("organization.id", ondelete="SET NULL")
    subscription_id: str | None = fk_field("webhook_subscription.id", ondelete="SET NULL")
    # Channel-specific facts for the sender (template name, language, recipient kind and id).
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus), index=True
    )
    attempts: int = 0
    next_attempt_at: datetime | None = optional_utc_field()
    claimed_at: datetime | None = optional_utc_field()
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = optional_utc_field()
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class DeliveryAttempt(SQLModel, table=True):
    """The log of every try at a delivery: when, what came back, how long it took."""

    __tablename__ = "notification_attempt"

    id: str = id_field()
    delivery_id: str = fk_field("notification_delivery.id", nullable=False)
    number: int
    ok: bool
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    duration_ms: int = 0
    attempted_at: datetime = utc_field()


class SlaNoticeKind(StrEnum):
    """The SLA steps a referral can go through once each."""

    REMIND = "remind"
    ESCALATE = "escalate"
    EXPIRE = "expire"


class SlaNotice(SQLModel, table=True):
    """Proof that an SLA step was taken for a referral; the unique key stops doubles."""

    __tablename__ = "sla_notice"
    __table_args__ = (UniqueConstraint("referral_id", "kind", name="uq_sla_notice"),)

    id: str = id_field()
    # No foreign key: the referral tables live on another migration branch.
    referral_id: str = Field(max_length=64, index=True)
    kind: SlaNoticeKind = Field(sa_type=enum_type(SlaNoticeKind))
    created_at: datetime = utc_field()
