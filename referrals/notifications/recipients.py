"""Who hears about a referral event, on which channel, in which language (ids, no addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import OutboxEvent
from hub.identity.models import Membership, User
from providers.models import Organization, Service
from referrals.models import Client, NotifyChannel, Referral
from referrals.notifications.email import language_of
from referrals.notifications.models import Channel, WebhookSubscription
from referrals.notifications.preferences import opted_out
from referrals.notifications.webhooks import wants

# Topics agreed with the referral domain, plus the SLA engine's own.
HANDLED_TOPICS = frozenset(
    {
        "referral.created",
        "referral.sent",
        "referral.status_changed",
        "referral.note_added",
        "referral.viewed",
        "referral.client_action",
        "referral.sla_reminder",
        "referral.sla_escalated",
    }
)
NEVER_SENT = frozenset({"cancelled", "entered-in-error"})


@dataclass(frozen=True, slots=True)
class Plan:
    """One delivery to create: its idempotency key, channel and what the sender needs."""

    key: str
    channel: Channel
    organization_id: str | None = None
    subscription_id: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)


def receiver_involved(event: OutboxEvent, referral: Referral | None) -> bool:
    """Tell whether the receiving organization may know of this event (the referral was sent)."""
    payload = event.payload
    if event.topic == "referral.created" or referral is None or referral.sent_at is None:
        return False
    # Withdrawn straight from draft: the receiver never saw it.
    return not (payload.get("from_status") == "draft" and payload.get("to_status") in NEVER_SENT)


async def _org_email_plans(
    session: AsyncSession, organization_id: str, service_id: str | None, template: str
) -> list[Plan]:
    """The service's or organization's referral address, else every active staff member."""
    service = await session.get(Service, service_id) if service_id else None
    org = await session.get(Organization, organization_id)
    spec = {"template": template, "language": "en"}
    if (service is not None and service.referral_email) or (org is not None and org.referral_email):
        return [
            Plan(
                f"email:org:{organization_id}",
                Channel.EMAIL,
                organization_id,
                spec={
                    **spec,
                    "language": "en",
                    "recipient": {"kind": "org", "id": organization_id},
                },
            )
        ]
    rows = await session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.organization_id) == organization_id, col(User.is_active))
        .order_by(col(User.id))
    )
    return [_user_plan(user, organization_id, template) for user in rows.all()]


def _user_plan(user: User, organization_id: str | None, template: str) -> Plan:
    return Plan(
        f"email:user:{user.id}",
        Channel.EMAIL,
        organization_id,
        spec={
            "template": template,
            "language": language_of(user.preferred_language),
            "recipient": {"kind": "user", "id": user.id},
        },
    )


async def _sender_email_plans(
    session: AsyncSession, referral: Referral, template: str
) -> list[Plan]:
    org_id = referral.sender_organization_id
    if referral.sender_user_id:
        user = await session.get(User, referral.sender_user_id)
        if user is not None and user.is_active:
            return [_user_plan(user, org_id, template)]
    return await _org_email_plans(session, org_id, None, template)


async def _client_plans(session: AsyncSession, referral: Referral) -> list[Plan]:
    client = await session.get(Client, referral.client_id)
    if client is None:
        return []
    spec = {
        "template": "client_sent",
        "language": language_of(client.preferred_language),
        "recipient": {"kind": "client", "id": client.id},
    }
    if client.preferred_channel == NotifyChannel.EMAIL and client.email:
        return [Plan(f"email:client:{client.id}", Channel.EMAIL, None, spec=spec)]
    if client.preferred_channel == NotifyChannel.SMS and client.phone:
        return [Plan(f"sms:client:{client.id}", Channel.SMS, None, spec=spec)]
    return []


async def _email_plans(
    session: AsyncSession, event: OutboxEvent, referral: Referral, receiver: bool
) -> list[Plan]:
    topic, payload = event.topic, event.payload
    role = payload.get("actor_role")
    receiver_org, service_id = referral.receiver_organization_id, referral.service_id
    if topic == "referral.sent":
        plans = await _org_email_plans(session, receiver_org, service_id, "new_referral")
        return plans + await _client_plans(session, referral)
    if topic == "referral.sla_reminder":
        return await _org_email_plans(session, receiver_org, service_id, "sla_reminder")
    if topic == "referral.sla_escalated":
        return await _sender_email_plans(session, referral, "sla_escalated")
    if topic == "referral.status_changed":
        if role in ("receiver", "system"):
            return await _sender_email_plans(session, referral, "status_changed")
        if role == "sender" and receiver:
            return await _org_email_plans(session, receiver_org, service_id, "status_changed")
    return []


def _person(plan: Plan) -> str | None:
    recipient = plan.spec.get("recipient") or {}
    return str(recipient["id"]) if recipient.get("kind") == "user" else None


async def _without_opted_out(session: AsyncSession, plans: list[Plan]) -> list[Plan]:
    """Drop emails to people who turned that kind of email off (see `preferences`)."""
    people = [person for person in map(_person, plans) if person is not None]
    off = await opted_out(session, people)
    return [p for p in plans if (_person(p), p.spec.get("template")) not in off]


async def plan_deliveries(
    session: AsyncSession, event: OutboxEvent, *, email: bool = True
) -> list[Plan]:
    """Every delivery an event calls for: in-app, webhooks and email/SMS of each party.

    With `email` off (no SMTP server configured) no email rows are planned at all.
    """
    if event.topic not in HANDLED_TOPICS:
        return []
    referral = await session.get(Referral, event.aggregate_id)
    if referral is None:
        return []
    receiver = receiver_involved(event, referral)
    orgs = [referral.sender_organization_id]
    if receiver:
        orgs.append(referral.receiver_organization_id)
    plans = [
        Plan(f"inapp:org:{org}", Channel.INAPP, org, spec={"channel": f"org:{org}"}) for org in orgs
    ]
    subscriptions = await session.exec(
        select(WebhookSubscription)
        .where(col(WebhookSubscription.organization_id).in_(orgs), col(WebhookSubscription.active))
        .order_by(col(WebhookSubscription.created_at), col(WebhookSubscription.id))
    )
    plans += [
        Plan(f"webhook:{sub.id}", Channel.WEBHOOK, sub.organization_id, subscription_id=sub.id)
        for sub in subscriptions.all()
        if wants(sub, event.topic)
    ]
    messages = await _email_plans(session, event, referral, receiver)
    messages = await _without_opted_out(session, messages)
    plans += [p for p in messages if email or p.channel != Channel.EMAIL]
    # One delivery per key even when a person is on both sides.
    unique: dict[str, Plan] = {}
    for plan in plans:
        unique.setdefault(plan.key, plan)
    return list(unique.values())
