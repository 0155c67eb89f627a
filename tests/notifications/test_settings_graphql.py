"""Email preferences and pausing webhooks over GraphQL: your own choices, admins' webhooks."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.schema.conftest import GQL, World, client, container, gql, world

__all__ = ["client", "container", "gql", "world"]

MINE = "{ myEmailPreferences { kind enabled } }"
UPDATE = """
mutation($on: [String!]!) { emailPreferencesUpdate(enabled: $on) {
  __typename ... on EmailPreferencesPayload { preferences { kind enabled } }
  ... on ValidationFailed { errors { field code } } } }
"""
CREATE = """
mutation($org: ID!) { webhookSubscriptionCreate(input: {organizationId: $org,
  url: "https://hooks.example.org/x"}) {
  __typename ... on WebhookSubscriptionCreatePayload { subscription { id } } } }
"""
PAUSE = """
mutation($id: ID!, $active: Boolean!) { webhookSubscriptionSetActive(id: $id, active: $active) {
  __typename ... on WebhookSubscriptionPayload { subscription { active disabledAt } } } }
"""


async def test_email_preferences_are_per_person(gql: GQL, world: World) -> None:
    coach = world.east_coach.headers
    before = await gql(MINE, headers=coach)
    assert all(p["enabled"] for p in before["data"]["myEmailPreferences"])
    done = await gql(UPDATE, {"on": ["new_referral"]}, headers=coach)
    chosen = {
        p["kind"]: p["enabled"] for p in done["data"]["emailPreferencesUpdate"]["preferences"]
    }
    assert chosen == {
        "new_referral": True,
        "status_changed": False,
        "sla_reminder": False,
        "sla_escalated": False,
    }
    other = await gql(MINE, headers=world.east_admin.headers)
    assert all(p["enabled"] for p in other["data"]["myEmailPreferences"])
    bad = await gql(UPDATE, {"on": ["spam"]}, headers=coach)
    assert bad["data"]["emailPreferencesUpdate"]["__typename"] == "ValidationFailed"
    anonymous = await gql(MINE)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_admins_pause_their_webhooks_only(gql: GQL, world: World) -> None:
    made = await gql(
        CREATE,
        {"org": to_global_id("Organization", world.east.id)},
        headers=world.east_admin.headers,
    )
    hook = made["data"]["webhookSubscriptionCreate"]["subscription"]["id"]
    staff = await gql(PAUSE, {"id": hook, "active": False}, headers=world.east_coach.headers)
    assert staff["data"]["webhookSubscriptionSetActive"]["__typename"] == "Forbidden"
    stranger = await gql(PAUSE, {"id": hook, "active": False}, headers=world.west_admin.headers)
    assert stranger["data"]["webhookSubscriptionSetActive"]["__typename"] == "NotFound"
    paused = await gql(PAUSE, {"id": hook, "active": False}, headers=world.east_admin.headers)
    result = paused["data"]["webhookSubscriptionSetActive"]["subscription"]
    assert result["active"] is False
    assert result["disabledAt"] is not None
