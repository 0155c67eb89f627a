"""`myEmailPreferences`, `emailPreferencesUpdate` and `webhookSubscriptionSetActive`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from referrals.notifications import preferences
from referrals.notifications.subscription_state import set_subscription_active
from schema.context import Info
from schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
    ValidationFailedError,
    to_error,
)
from schema.mutation import call
from schema.notifications.types import WebhookSubscription, subscription
from schema.relay import decode_id

Errors = (
    ValidationFailedError | NotFoundError | ForbiddenError | UnauthenticatedError | ConflictError
)


@strawberry.type(description="Whether you receive one kind of referral email.")
class EmailPreference:
    kind: str = strawberry.field(
        description="`new_referral`, `status_changed`, `sla_reminder` or `sla_escalated`."
    )
    enabled: bool


@strawberry.type
class EmailPreferencesPayload:
    preferences: list[EmailPreference]


@strawberry.type
class WebhookSubscriptionPayload:
    subscription: WebhookSubscription


EmailPreferencesResult = Annotated[
    EmailPreferencesPayload | Errors, strawberry.union("EmailPreferencesResult")
]
SetActiveResult = Annotated[
    WebhookSubscriptionPayload | Errors, strawberry.union("WebhookSubscriptionSetActiveResult")
]


def _listed(chosen: dict[str, bool]) -> list[EmailPreference]:
    return [EmailPreference(kind=k, enabled=v) for k, v in chosen.items()]


@strawberry.type
class NotificationSettingsQuery:
    @strawberry.field(description="Which referral emails you receive (all, unless you chose).")
    async def my_email_preferences(self, info: Info) -> list[EmailPreference]:
        ctx = info.context
        async with ctx.session() as session:
            chosen = await preferences.email_preferences(session=session, actor=ctx.principal)
        return _listed(chosen)


@strawberry.type
class NotificationSettingsMutation:
    @strawberry.mutation(
        description="Keep exactly these kinds of referral email on for you (the others off)."
    )
    async def email_preferences_update(
        self, info: Info, enabled: list[str]
    ) -> EmailPreferencesResult:
        try:
            chosen = await call(info, preferences.set_email_preferences, enabled=set(enabled))
        except DomainError as exc:
            return to_error(exc)
        return EmailPreferencesPayload(preferences=_listed(chosen))

    @strawberry.mutation(
        description="Pause a webhook (no deliveries) or resume it (its failure count reset)."
    )
    async def webhook_subscription_set_active(
        self, info: Info, id: strawberry.ID, active: bool
    ) -> SetActiveResult:
        try:
            row = await call(
                info,
                set_subscription_active,
                subscription_id=decode_id(id, "WebhookSubscription"),
                active=active,
            )
        except DomainError as exc:
            return to_error(exc)
        return WebhookSubscriptionPayload(subscription=subscription(row))
