"""Webhook queries and mutations: `webhookSubscriptions`, `webhookDeliveries`,
`webhookSubscriptionCreate`, `webhookSubscriptionDelete`, `webhookRedeliver`."""

from __future__ import annotations

import logging
from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from referrals.notifications import manage, runtime, webhooks
from referrals.notifications.models import DeliveryStatus
from schema.context import Info
from schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
    ValidationFailedError,
    to_error,
)
from schema.notifications.types import (
    WebhookDelivery,
    WebhookSubscription,
    delivery,
    subscription,
)
from schema.relay import decode_id

log = logging.getLogger(__name__)

Errors = (
    ValidationFailedError | NotFoundError | ForbiddenError | UnauthenticatedError | ConflictError
)


@strawberry.input(description="An endpoint to receive your organization's referral events.")
class WebhookSubscriptionCreateInput:
    organization_id: strawberry.ID
    url: str = strawberry.field(description="An https:// URL (http:// only in debug mode).")
    topics: list[str] = strawberry.field(
        default_factory=list, description="referral.* topics; empty for all."
    )


@strawberry.type
class WebhookSubscriptionCreatePayload:
    subscription: WebhookSubscription
    secret: str = strawberry.field(
        description="Signs every delivery (X-Hub-Signature); shown only this once."
    )


@strawberry.type
class WebhookSubscriptionDeletePayload:
    deleted_id: strawberry.ID


@strawberry.type
class WebhookRedeliverPayload:
    delivery: WebhookDelivery


CreateResult = Annotated[
    WebhookSubscriptionCreatePayload | Errors, strawberry.union("WebhookSubscriptionCreateResult")
]
DeleteResult = Annotated[
    WebhookSubscriptionDeletePayload | Errors, strawberry.union("WebhookSubscriptionDeleteResult")
]
RedeliverResult = Annotated[
    WebhookRedeliverPayload | Errors, strawberry.union("WebhookRedeliverResult")
]


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="Your organization's webhook subscriptions (admins only).")
    async def webhook_subscriptions(
        self, info: Info, organization_id: strawberry.ID
    ) -> list[WebhookSubscription]:
        ctx = info.context
        org = decode_id(organization_id, "Organization", field="organizationId")
        async with ctx.session() as session:
            rows = await webhooks.list_subscriptions(
                session=session, actor=ctx.principal, organization_id=org
            )
        return [subscription(r) for r in rows]

    @strawberry.field(description="A subscription's deliveries, newest first (admins only).")
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID,
        status: DeliveryStatus | None = None,
        first: int = 50,
    ) -> list[WebhookDelivery]:
        ctx = info.context
        ident = decode_id(subscription_id, "WebhookSubscription", field="subscriptionId")
        async with ctx.session() as session:
            rows = await manage.list_deliveries(
                session=session,
                actor=ctx.principal,
                subscription_id=ident,
                status=status,
                limit=first,
            )
        return [delivery(r) for r in rows]


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Subscribe an endpoint; the signing secret is returned once.")
    async def webhook_subscription_create(
        self, info: Info, input: WebhookSubscriptionCreateInput
    ) -> CreateResult:
        ctx = info.context
        try:
            org = decode_id(input.organization_id, "Organization", field="organizationId")
            async with ctx.transaction() as session:
                row, secret = await webhooks.create_subscription(
                    session=session,
                    actor=ctx.principal,
                    clock=ctx.clock,
                    organization_id=org,
                    url=input.url,
                    topics=list(input.topics),
                    allow_http=ctx.container.settings.debug,
                    allowed_hosts=ctx.container.settings.webhook_allow_hosts,
                )
        except DomainError as exc:
            return to_error(exc)
        return WebhookSubscriptionCreatePayload(subscription=subscription(row), secret=secret)

    @strawberry.mutation(description="Remove a webhook subscription.")
    async def webhook_subscription_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        ctx = info.context
        try:
            ident = decode_id(id, "WebhookSubscription")
            async with ctx.transaction() as session:
                await webhooks.delete_subscription(
                    session=session, actor=ctx.principal, subscription_id=ident
                )
        except DomainError as exc:
            return to_error(exc)
        return WebhookSubscriptionDeletePayload(deleted_id=id)

    @strawberry.mutation(description="Send a webhook delivery again (re-enables the endpoint).")
    async def webhook_redeliver(self, info: Info, delivery_id: strawberry.ID) -> RedeliverResult:
        ctx = info.context
        try:
            ident = decode_id(delivery_id, "WebhookDelivery", field="deliveryId")
            async with ctx.transaction() as session:
                row = await manage.redeliver(
                    session=session, actor=ctx.principal, clock=ctx.clock, delivery_id=ident
                )
        except DomainError as exc:
            return to_error(exc)
        try:
            runtime.current().enqueue.deliver(row.id)
        except Exception:
            # No notifications in this process, or the broker is down: the sweeper sends it.
            log.warning("redelivery %s left to the sweeper", row.id, exc_info=True)
        return WebhookRedeliverPayload(delivery=delivery(row))
