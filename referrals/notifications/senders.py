"""Per-channel senders: what each delivery says and how it leaves (webhook, email, SMS, in-app)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import OutboxEvent
from hub.identity.models import User
from hub.identity.principal import SYSTEM
from providers.models import Organization, Service
from referrals.links import issue_link
from referrals.models import Client, Referral
from referrals.notifications.email import MailDisabledError, render
from referrals.notifications.labels import outcome_label, status_label
from referrals.notifications.models import Channel, NotificationDelivery, WebhookSubscription
from referrals.notifications.runtime import NotificationRuntime
from referrals.notifications.webhooks import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    encode_body,
    post_signed,
)

# The event fields a webhook or in-app subscriber may see (no personal data).
PUBLIC_FIELDS = (
    "referral_id",
    "sender_org_id",
    "receiver_org_id",
    "service_id",
    "from_status",
    "to_status",
    "status",
    "reason",
    "outcome",
    "version",
    "actor_role",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went; `skipped` means there was nothing (more) to do."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    skipped: bool = False


def public_data(event: OutboxEvent) -> dict[str, Any]:
    """The event's payload restricted to what leaves the hub."""
    return {key: event.payload.get(key) for key in PUBLIC_FIELDS}


def webhook_document(event: OutboxEvent) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {
        "id": event.id,
        "topic": event.topic,
        "created_at": event.created_at.isoformat(),
        "data": public_data(event),
    }


async def send_webhook(
    runtime: NotificationRuntime,
    session: AsyncSession,
    row: NotificationDelivery,
    event: OutboxEvent,
) -> Outcome:
    """POST the signed event to the subscription's URL."""
    sub = (
        await session.get(WebhookSubscription, row.subscription_id) if row.subscription_id else None
    )
    if sub is None or not sub.active:
        return Outcome(ok=False, skipped=True, error="subscription removed or disabled")
    result = await post_signed(
        runtime.http(),
        url=sub.url,
        secret=sub.secret,
        body=encode_body(webhook_document(event)),
        event_id=event.id,
        delivery_id=row.id,
        topic=event.topic,
        now=runtime.clock.now(),
        timeout_seconds=runtime.config.webhook_timeout_seconds,
    )
    return Outcome(result.ok, result.status_code, result.error, result.duration_ms)


def inapp_message(event: OutboxEvent) -> dict[str, Any]:
    """What a live subscriber of an organization's channel receives."""
    message = {"event_id": event.id, "topic": event.topic, **public_data(event)}
    message["occurred_at"] = event.created_at.isoformat()
    return message


async def send_inapp(
    runtime: NotificationRuntime,
    session: AsyncSession,
    row: NotificationDelivery,
    event: OutboxEvent,
) -> Outcome:
    """Publish to the organization's live channel (a manual redelivery of an in-app row)."""
    await runtime.broadcaster.publish(str(row.spec["channel"]), inapp_message(event))
    return Outcome(ok=True)


async def _context(
    runtime: NotificationRuntime, session: AsyncSession, event: OutboxEvent, language: str
) -> dict[str, Any]:
    referral = await session.get(Referral, event.aggregate_id)
    if referral is None:
        raise LookupError(f"referral {event.aggregate_id} is gone")
    service = await session.get(Service, referral.service_id)
    sender = await session.get(Organization, referral.sender_organization_id)
    receiver = await session.get(Organization, referral.receiver_organization_id)
    payload = event.payload
    actor_org = sender if payload.get("actor_role") == "sender" else receiver
    return {
        "referral": referral,
        "referral_id": referral.id,
        "service_name": service.name if service else "",
        "sender_org_name": sender.name if sender else "",
        "receiver_org_name": receiver.name if receiver else "",
        "actor_org_name": actor_org.name
        if actor_org and payload.get("actor_role") != "system"
        else "The hub",
        "status_label": status_label(payload.get("to_status") or payload.get("status"), language),
        "from_status_label": status_label(payload.get("from_status"), language),
        "reason": payload.get("reason") or "",
        "outcome_label": outcome_label(payload.get("outcome"), language),
        "business_hours": (payload.get("detail") or {}).get("business_hours", ""),
        "hub_url": runtime.config.public_base_url,
        "client_link": None,
    }


async def _address(
    session: AsyncSession, recipient: dict[str, str], referral: Referral
) -> str | None:
    kind, ident = recipient["kind"], recipient["id"]
    if kind == "user":
        user = await session.get(User, ident)
        return user.email if user and user.is_active else None
    if kind == "client":
        client = await session.get(Client, ident)
        return client.email if client else None
    service = await session.get(Service, referral.service_id)
    if service is not None and service.referral_email and service.organization_id == ident:
        return service.referral_email
    org = await session.get(Organization, ident)
    return org.referral_email if org else None


async def _client_link(
    runtime: NotificationRuntime, session: AsyncSession, referral: Referral
) -> str:
    # A fresh link per attempt: the plain token exists only now, and older ones stay valid.
    issued = await issue_link(
        session=session,
        actor=SYSTEM,
        clock=runtime.clock,
        referral_id=referral.id,
        ttl=timedelta(days=runtime.config.client_link_ttl_days),
    )
    await session.commit()
    return f"{runtime.config.public_base_url}/r/{issued.token}"


async def send_message(
    runtime: NotificationRuntime,
    session: AsyncSession,
    row: NotificationDelivery,
    event: OutboxEvent,
) -> Outcome:
    """Render the row's template in its language and send it by email or SMS."""
    spec = row.spec
    language = str(spec.get("language", "en"))
    context = await _context(runtime, session, event, language)
    referral: Referral = context["referral"]
    recipient = spec["recipient"]
    if row.channel == Channel.SMS:
        client = await session.get(Client, recipient["id"])
        if client is None or not client.phone:
            return Outcome(ok=False, skipped=True, error="no phone number")
        context["client_link"] = await _client_link(runtime, session, referral)
        text = render("sms", spec["template"], language, context)
        await runtime.sms.send(to=client.phone, body=text.body.strip(), reference=row.id)
        return Outcome(ok=True)
    address = await _address(session, recipient, referral)
    if not address:
        return Outcome(ok=False, skipped=True, error="no email address")
    if recipient["kind"] == "client":
        context["client_link"] = await _client_link(runtime, session, referral)
    mail = render("email", spec["template"], language, context)
    headers = {EVENT_ID_HEADER: event.id, DELIVERY_ID_HEADER: row.id, "X-Hub-Event": event.topic}
    try:
        await runtime.mailer.send(
            to=address, subject=mail.subject, body=mail.body, language=language, headers=headers
        )
    except MailDisabledError as exc:
        return Outcome(ok=False, skipped=True, error=str(exc))
    return Outcome(ok=True)


SENDERS = {
    Channel.WEBHOOK: send_webhook,
    Channel.INAPP: send_inapp,
    Channel.EMAIL: send_message,
    Channel.SMS: send_message,
}
