"""Live referral events for the signed-in user's organizations, fed by the broadcaster."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Any

import strawberry

from hub.core.broadcast import Message
from hub.core.errors import Forbidden
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus
from schema.context import Info
from schema.relay import decode_optional_id, to_global_id


@strawberry.type(description="Something happened to a referral (no client personal data).")
class ReferralEventMessage:
    event_id: str | None = strawberry.field(description="The outbox event id (deduplicate on it).")
    topic: str
    referral_id: strawberry.ID
    kind: str | None
    from_status: ReferralStatus | None
    to_status: ReferralStatus | None
    status: ReferralStatus | None
    reason: str | None
    outcome: ReferralOutcome | None
    version: int | None
    actor_role: ActorRole | None
    sender_organization_id: strawberry.ID | None
    receiver_organization_id: strawberry.ID | None
    occurred_at: datetime | None


def _enum(kind: Any, value: Any) -> Any:
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None


def event_message(message: Message) -> ReferralEventMessage | None:
    """Read a broadcast (flat outbox payload, or `{topic, payload}`); None if not a referral's."""
    payload: dict[str, Any] = message.get("payload") or message
    topic = str(message.get("topic") or payload.get("topic") or "")
    referral_id = payload.get("referral_id")
    if not topic.startswith("referral.") or not isinstance(referral_id, str):
        return None
    sender, receiver = payload.get("sender_org_id"), payload.get("receiver_org_id")
    occurred = payload.get("occurred_at")
    try:
        occurred_at = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
    except ValueError:
        occurred_at = None
    return ReferralEventMessage(
        event_id=message.get("event_id") or message.get("id"),
        topic=topic,
        referral_id=to_global_id("Referral", referral_id),
        kind=payload.get("kind"),
        from_status=_enum(ReferralStatus, payload.get("from_status")),
        to_status=_enum(ReferralStatus, payload.get("to_status")),
        status=_enum(ReferralStatus, payload.get("status")),
        reason=payload.get("reason"),
        outcome=_enum(ReferralOutcome, payload.get("outcome")),
        version=payload.get("version"),
        actor_role=_enum(ActorRole, payload.get("actor_role")),
        sender_organization_id=to_global_id("Organization", sender) if sender else None,
        receiver_organization_id=to_global_id("Organization", receiver) if receiver else None,
        occurred_at=occurred_at,
    )


async def _merge(streams: list[AsyncIterator[Message]]) -> AsyncIterator[Message]:
    queue: asyncio.Queue[Message] = asyncio.Queue()

    async def pump(stream: AsyncIterator[Message]) -> None:
        async for item in stream:
            await queue.put(item)

    tasks = [asyncio.create_task(pump(s)) for s in streams]
    try:
        while True:
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@strawberry.type
class ReferralSubscription:
    @strawberry.subscription(description="Referral events of your organizations as they happen.")
    async def referral_events(
        self, info: Info, organization_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ReferralEventMessage, None]:
        actor = info.context.principal
        actor.require_authenticated()
        chosen = decode_optional_id(organization_id, "Organization", field="organizationId")
        if chosen is not None:
            if not (actor.is_member(chosen) or actor.is_hub_admin):
                raise Forbidden("You may follow only your own organizations.")
            orgs = [chosen]
        else:
            orgs = sorted(actor.organization_ids)
        if not orgs:
            raise Forbidden("You belong to no organization; pass organizationId.")
        broadcaster = info.context.container.broadcaster
        streams = [broadcaster.subscribe(f"org:{org}") for org in orgs]
        recent: deque[str] = deque(maxlen=1000)
        async for message in _merge(streams):
            event = event_message(message)
            if event is None:
                continue
            # A referral inside one organization reaches it on both channels: send it once.
            payload = message.get("payload") or message
            key = str(payload.get("history_id") or message.get("event_id") or message.get("id"))
            if len(orgs) > 1 and key != "None":
                if key in recent:
                    continue
                recent.append(key)
            yield event
