"""GraphQL types of webhook subscriptions and deliveries (the secret is never a field)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from referrals.notifications import models
from schema.relay import to_global_id

strawberry.enum(
    models.DeliveryStatus, name="WebhookDeliveryStatus", description="Where a delivery is."
)


@strawberry.type(description="An organization's endpoint for signed referral events.")
class WebhookSubscription:
    id: strawberry.ID
    url: str
    topics: list[str] = strawberry.field(description="Empty means every referral topic.")
    active: bool
    failure_count: int = strawberry.field(description="Consecutive failed deliveries.")
    disabled_at: datetime | None
    created_at: datetime


@strawberry.type(description="One event sent (or being sent) to one webhook.")
class WebhookDelivery:
    id: strawberry.ID
    event_id: str = strawberry.field(description="Sent as X-Hub-Event-Id; deduplicate on it.")
    topic: str
    status: models.DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


def subscription(row: models.WebhookSubscription) -> WebhookSubscription:
    """Convert a subscription row."""
    return WebhookSubscription(
        id=to_global_id("WebhookSubscription", row.id),
        url=row.url,
        topics=list(row.topics),
        active=row.active,
        failure_count=row.failure_count,
        disabled_at=row.disabled_at,
        created_at=row.created_at,
    )


def delivery(row: models.NotificationDelivery) -> WebhookDelivery:
    """Convert a delivery row."""
    return WebhookDelivery(
        id=to_global_id("WebhookDelivery", row.id),
        event_id=row.event_id,
        topic=row.topic,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        created_at=row.created_at,
    )
