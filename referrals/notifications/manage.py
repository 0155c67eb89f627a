"""Organization admins' view of their webhook deliveries, and manual redelivery."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import NotFound
from hub.identity.principal import Principal
from referrals.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookSubscription,
)

MAX_LIST = 200


async def _subscription(
    session: AsyncSession, actor: Principal, subscription_id: str
) -> WebhookSubscription:
    actor.require_authenticated()
    sub = await session.get(WebhookSubscription, subscription_id)
    if sub is None or not (actor.is_member(sub.organization_id) or actor.is_hub_admin):
        raise NotFound("WebhookSubscription", subscription_id)
    actor.require_manage(sub.organization_id)
    return sub


async def list_deliveries(
    *,
    session: AsyncSession,
    actor: Principal,
    subscription_id: str,
    status: DeliveryStatus | None = None,
    limit: int = 50,
) -> list[NotificationDelivery]:
    """A subscription's deliveries, newest first (for its organization's admins)."""
    await _subscription(session, actor, subscription_id)
    query = select(NotificationDelivery).where(
        col(NotificationDelivery.subscription_id) == subscription_id
    )
    if status is not None:
        query = query.where(col(NotificationDelivery.status) == status)
    query = query.order_by(col(NotificationDelivery.created_at).desc()).limit(
        max(1, min(limit, MAX_LIST))
    )
    return list((await session.exec(query)).all())


async def redeliver(
    *, session: AsyncSession, actor: Principal, clock: Clock, delivery_id: str
) -> NotificationDelivery:
    """Queue a webhook delivery again and re-enable its subscription (after a fix on their side).

    An unsent delivery is reset to pending; a sent one gets a new delivery row of the same event,
    so the receiver sees the same X-Hub-Event-Id again (and may deduplicate on it).
    """
    actor.require_authenticated()
    row = await session.get(NotificationDelivery, delivery_id)
    if row is None or row.channel != Channel.WEBHOOK or row.subscription_id is None:
        raise NotFound("WebhookDelivery", delivery_id)
    try:
        sub = await _subscription(session, actor, row.subscription_id)
    except NotFound:
        raise NotFound("WebhookDelivery", delivery_id) from None
    now = clock.now()
    if not sub.active:
        sub.active, sub.disabled_at, sub.failure_count, sub.updated_at = True, None, 0, now
        session.add(sub)
    if row.status == DeliveryStatus.SENDING:
        return row  # already being attempted
    if row.status != DeliveryStatus.SENT:
        row.status, row.next_attempt_at, row.updated_at = DeliveryStatus.PENDING, None, now
        session.add(row)
        await session.flush()
        return row
    again = NotificationDelivery(
        event_id=row.event_id,
        subscriber_key=f"{row.subscriber_key}#redelivery:{now.isoformat()}",
        channel=row.channel,
        topic=row.topic,
        organization_id=row.organization_id,
        subscription_id=row.subscription_id,
        spec=row.spec,
        created_at=now,
        updated_at=now,
    )
    session.add(again)
    await session.flush()
    return again
