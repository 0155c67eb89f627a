"""Webhook GraphQL: subscribe (secret shown once), permissions, deliveries, redelivery."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.core.clock import SystemClock
from hub.core.events import OutboxEvent
from referrals.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookSubscription,
)
from referrals.notifications.webhooks import create_subscription
from schema.relay import to_global_id
from tests.notifications.conftest import wait_for
from tests.notifications.servers import LOOPBACK_HOSTS, WebhookReceiver
from tests.schema.conftest import GQL, World, client, container, gql, world

__all__ = ["client", "container", "gql", "world"]

CREATE = """
mutation($input: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $input) {
  __typename
  ... on WebhookSubscriptionCreatePayload { secret subscription { id url topics active } }
  ... on ValidationFailed { errors { field code } }
  ... on Forbidden { code } ... on NotFound { code } } }
"""
LIST = """
query($org: ID!) { webhookSubscriptions(organizationId: $org) { id url active failureCount } }
"""
DELETE = """
mutation($id: ID!) { webhookSubscriptionDelete(id: $id) {
  __typename ... on WebhookSubscriptionDeletePayload { deletedId } ... on NotFound { code } } }
"""
DELIVERIES = """
query($id: ID!) { webhookDeliveries(subscriptionId: $id) { id eventId status attempts } }
"""
REDELIVER = """
mutation($id: ID!) { webhookRedeliver(deliveryId: $id) {
  __typename ... on WebhookRedeliverPayload { delivery { id status eventId } }
  ... on NotFound { code } } }
"""


async def test_subscribe_list_and_delete_with_the_secret_shown_once(gql: GQL, world: World) -> None:
    org = to_global_id("Organization", world.east.id)
    made = await gql(
        CREATE,
        {"input": {"organizationId": org, "url": "https://hooks.east.example/ref", "topics": []}},
        headers=world.east_admin.headers,
    )
    payload = made["data"]["webhookSubscriptionCreate"]
    assert payload["__typename"] == "WebhookSubscriptionCreatePayload"
    assert payload["secret"].startswith("whsec_")
    assert len(payload["secret"]) > 40
    listed = await gql(LIST, {"org": org}, headers=world.east_admin.headers)
    assert listed["data"]["webhookSubscriptions"] == [
        {
            "id": payload["subscription"]["id"],
            "url": "https://hooks.east.example/ref",
            "active": True,
            "failureCount": 0,
        }
    ]
    # The secret is no field of any readable type.
    leaked = await gql(
        "query($org: ID!) { webhookSubscriptions(organizationId: $org) { secret } }",
        {"org": org},
        headers=world.east_admin.headers,
    )
    assert "errors" in leaked
    assert payload["secret"] not in str(leaked)
    # Staff (not admins) and other organizations may not subscribe or look.
    refused = await gql(
        CREATE,
        {"input": {"organizationId": org, "url": "https://evil.example/x"}},
        headers=world.east_coach.headers,
    )
    assert refused["data"]["webhookSubscriptionCreate"]["__typename"] == "Forbidden"
    bad = await gql(
        CREATE,
        {"input": {"organizationId": org, "url": "http://plain.example/x", "topics": ["x.y"]}},
        headers=world.east_admin.headers,
    )
    errors = bad["data"]["webhookSubscriptionCreate"]["errors"]
    assert {e["field"] for e in errors} == {"url"}
    gone = await gql(
        DELETE, {"id": payload["subscription"]["id"]}, headers=world.west_admin.headers
    )
    assert gone["data"]["webhookSubscriptionDelete"]["__typename"] == "NotFound"
    deleted = await gql(
        DELETE, {"id": payload["subscription"]["id"]}, headers=world.east_admin.headers
    )
    assert (
        deleted["data"]["webhookSubscriptionDelete"]["deletedId"] == payload["subscription"]["id"]
    )
    assert (await gql(LIST, {"org": org}, headers=world.east_admin.headers))["data"][
        "webhookSubscriptions"
    ] == []


async def test_redeliver_reenables_and_sends_a_failed_delivery(
    gql: GQL, world: World, session_factory, start_engine, receiver: WebhookReceiver
) -> None:
    clock = SystemClock()
    async with session_factory() as db:
        sub, secret = await create_subscription(
            session=db,
            actor=world.east_admin.principal,
            clock=clock,
            organization_id=world.east.id,
            url=f"{receiver.base_url}/hook",
            allow_http=True,
            allowed_hosts=LOOPBACK_HOSTS,
        )
        event = OutboxEvent(
            topic="referral.status_changed",
            aggregate_type="referral",
            aggregate_id="0b0e0e0e-0000-4000-8000-000000000001",
            payload={"to_status": "accepted"},
            dispatched_at=datetime.now(UTC),
        )
        db.add(event)
        await db.flush()
        db.add(
            NotificationDelivery(
                event_id=event.id,
                subscriber_key=f"webhook:{sub.id}",
                channel=Channel.WEBHOOK,
                topic=event.topic,
                organization_id=world.east.id,
                subscription_id=sub.id,
                status=DeliveryStatus.FAILED,
                attempts=8,
                last_status_code=500,
            )
        )
        sub.active, sub.disabled_at, sub.failure_count = False, datetime.now(UTC), 20
        db.add(sub)
        await db.commit()
    receiver.secrets["/hook"] = secret
    start_engine(run_scheduler=False)
    sub_id = to_global_id("WebhookSubscription", sub.id)
    listed = await gql(DELIVERIES, {"id": sub_id}, headers=world.east_admin.headers)
    [row] = listed["data"]["webhookDeliveries"]
    assert row["status"] == "FAILED"
    assert row["eventId"] == event.id
    other = await gql(REDELIVER, {"id": row["id"]}, headers=world.west_admin.headers)
    assert other["data"]["webhookRedeliver"]["__typename"] == "NotFound"
    again = await gql(REDELIVER, {"id": row["id"]}, headers=world.east_admin.headers)
    assert again["data"]["webhookRedeliver"]["delivery"]["status"] == "PENDING"

    async def arrived() -> bool:
        return len(receiver.at("/hook")) == 1

    await wait_for(arrived)
    [hit] = receiver.at("/hook")
    assert hit.signature_ok
    assert hit.event_id == event.id
    async with session_factory() as db:
        refreshed = await db.get(WebhookSubscription, sub.id)
    assert refreshed is not None
    assert refreshed.active
    assert refreshed.failure_count == 0

    async def sent() -> bool:
        rows = (await gql(DELIVERIES, {"id": sub_id}, headers=world.east_admin.headers))["data"]
        return rows["webhookDeliveries"][0]["status"] == "SENT"

    await wait_for(sent)
    # Redelivering a sent delivery makes a new delivery of the same event.
    twice = await gql(REDELIVER, {"id": row["id"]}, headers=world.east_admin.headers)
    assert twice["data"]["webhookRedeliver"]["delivery"]["id"] != row["id"]

    async def arrived_again() -> bool:
        return len(receiver.at("/hook")) == 2

    await wait_for(arrived_again)
    assert [h.event_id for h in receiver.at("/hook")] == [event.id, event.id]
