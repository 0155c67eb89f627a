"""Pausing and resuming an organization's webhook subscription (its admins and hub admins)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import NotFound
from hub.identity.principal import Principal
from referrals.notifications.models import WebhookSubscription


async def set_subscription_active(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    subscription_id: str,
    active: bool,
) -> WebhookSubscription:
    """Disable a subscription (no deliveries are planned for it) or enable it again.

    Enabling clears the failure count, as after an automatic disable the endpoint was fixed.
    """
    actor.require_authenticated()
    row = await session.get(WebhookSubscription, subscription_id)
    if row is None or not (actor.is_member(row.organization_id) or actor.is_hub_admin):
        raise NotFound("WebhookSubscription", subscription_id)
    actor.require_manage(row.organization_id)
    now = clock.now()
    if row.active != active:
        row.active = active
        row.disabled_at = None if active else now
        row.updated_at = now
    if active:
        row.failure_count = 0
    session.add(row)
    await session.flush()
    return row
