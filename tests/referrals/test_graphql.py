"""Referral GraphQL over HTTP: the loop, typed errors, scoping, access log, concurrency, events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.container import Container
from hub.identity.models import OrgRole
from referrals.models import AccessLog
from schema.context import Context
from schema.relay import to_global_id
from schema.root import build_schema
from tests.builders import Person, make_organization, make_person, make_service
from tests.schema.conftest import GQL

RESULT = """
  __typename
  ... on ReferralPayload { referral { id status version } }
  ... on ValidationFailed { code errors { field code } }
  ... on Conflict { code expectedVersion actualVersion }
  ... on NotFound { code }
  ... on Forbidden { code }
  ... on Unauthenticated { code }
"""
CLIENT_CREATE = """
mutation($input: ClientCreateInput!) { clientCreate(input: $input) {
  __typename ... on ClientPayload { client { id name } }
  ... on ValidationFailed { errors { field code } } ... on Unauthenticated { code } } }
"""
CONSENT = """
mutation($id: ID!) { consentRecord(clientId: $id) {
  __typename ... on ConsentPayload { consent { id scope active } } } }
"""
SHARE_CONSENT = """
mutation($id: ID!, $scope: ConsentScope!) { consentRecord(clientId: $id, scope: $scope) {
  __typename ... on ConsentPayload { consent { id scope active } } } }
"""
CREATE = "mutation($input: ReferralCreateInput!) { referralCreate(input: $input) {" + RESULT + "} }"
SEND = "mutation($id: ID!) { referralSend(id: $id) {" + RESULT + "} }"
UPDATE = (
    "mutation($id: ID!, $status: ReferralStatus!, $v: Int!, $reason: String,"
    " $outcome: ReferralOutcome) { referralUpdateStatus(id: $id, status: $status,"
    " expectedVersion: $v, reason: $reason, outcome: $outcome) {" + RESULT + "} }"
)
ONE = """
query($id: ID!) { referral(id: $id) {
  id status version needCodes notes
  client { name phone }
  service { name } receiverOrganization { name }
  history { kind role fromStatus toStatus reason outcome version }
  noteEntries { body }
} }
"""
LIST = """
query($filter: ReferralFilter, $first: Int, $after: String) {
  referrals(filter: $filter, first: $first, after: $after) {
    edges { node { id status } } pageInfo { hasNextPage endCursor } } }
"""


@dataclass
class Setup:
    sender: Person
    receiver: Person
    outsider: Person
    auditor: Person
    service_id: str
    closed_service_id: str
    sender_org_id: str


async def setup(session: AsyncSession) -> Setup:
    sender_org = await make_organization(session, "Eastside Career Center")
    receiver_org = await make_organization(session, "Northside Food Bank")
    other = await make_organization(session, "Unrelated")
    service = await make_service(session, receiver_org, "Pantry", accepts_referrals=True)
    closed = await make_service(session, receiver_org, "Closed", accepts_referrals=False)
    people = [
        await make_person(session, "sam@east.org", organization=sender_org, role=OrgRole.STAFF),
        await make_person(session, "rita@north.org", organization=receiver_org, role=OrgRole.STAFF),
        await make_person(session, "otto@other.org", organization=other, role=OrgRole.STAFF),
        await make_person(session, "ada@board.gov", is_auditor=True),
    ]
    await session.commit()
    return Setup(
        sender=people[0],
        receiver=people[1],
        outsider=people[2],
        auditor=people[3],
        service_id=to_global_id("Service", service.id),
        closed_service_id=to_global_id("Service", closed.id),
        sender_org_id=to_global_id("Organization", sender_org.id),
    )


async def draft(
    gql: GQL, s: Setup, *, consent: bool = True, share: bool = False, service: str | None = None
) -> str:
    body = await gql(
        CLIENT_CREATE,
        {
            "input": {
                "organizationId": s.sender_org_id,
                "name": "Maria Lopez",
                "phone": "408-555-0199",
                "preferredLanguage": "es",
                "preferredChannel": "SMS",
            }
        },
        headers=s.sender.headers,
    )
    client_id = body["data"]["clientCreate"]["client"]["id"]
    if consent:
        body = await gql(CONSENT, {"id": client_id}, headers=s.sender.headers)
        assert body["data"]["consentRecord"]["consent"]["active"] is True
    if share:
        body = await gql(
            SHARE_CONSENT,
            {"id": client_id, "scope": "SHARE_WITH_RECEIVER"},
            headers=s.sender.headers,
        )
        assert body["data"]["consentRecord"]["consent"]["scope"] == "SHARE_WITH_RECEIVER"
    body = await gql(
        CREATE,
        {
            "input": {
                "clientId": client_id,
                "serviceId": service or s.service_id,
                "needCodes": ["food"],
                "notes": "Mornings are best.",
            }
        },
        headers=s.sender.headers,
    )
    payload = body["data"]["referralCreate"]
    assert payload["__typename"] == "ReferralPayload", payload
    return str(payload["referral"]["id"])


async def test_the_loop_over_graphql(session: AsyncSession, gql: GQL) -> None:
    s = await setup(session)
    rid = await draft(gql, s, share=True)
    sent = (await gql(SEND, {"id": rid}, headers=s.sender.headers))["data"]["referralSend"]
    assert sent["referral"] == {"id": rid, "status": "REQUESTED", "version": 2}

    accepted = await gql(
        UPDATE, {"id": rid, "status": "ACCEPTED", "v": 2}, headers=s.receiver.headers
    )
    assert accepted["data"]["referralUpdateStatus"]["referral"]["version"] == 3
    stale = await gql(
        UPDATE, {"id": rid, "status": "IN_PROGRESS", "v": 2}, headers=s.receiver.headers
    )
    assert stale["data"]["referralUpdateStatus"] == {
        "__typename": "Conflict",
        "code": "CONFLICT",
        "expectedVersion": 2,
        "actualVersion": 3,
    }
    done = await gql(
        UPDATE,
        {"id": rid, "status": "COMPLETED", "v": 3, "outcome": "GOT_HELP"},
        headers=s.receiver.headers,
    )
    assert done["data"]["referralUpdateStatus"]["referral"]["status"] == "COMPLETED"
    note = await gql(
        'mutation($id: ID!) { referralNoteAdd(id: $id, body: "Came in Tuesday") {'
        " __typename ... on ReferralNotePayload { note { body } } } }",
        {"id": rid},
        headers=s.receiver.headers,
    )
    assert note["data"]["referralNoteAdd"]["note"]["body"] == "Came in Tuesday"

    seen = (await gql(ONE, {"id": rid}, headers=s.receiver.headers))["data"]["referral"]
    assert seen["client"] == {"name": "Maria Lopez", "phone": "408-555-0199"}
    assert seen["needCodes"] == ["food"]
    assert seen["notes"] == "Mornings are best."
    assert seen["noteEntries"] == [{"body": "Came in Tuesday"}]
    assert [(h["kind"], h["toStatus"]) for h in seen["history"]] == [
        ("CREATED", "DRAFT"),
        ("STATUS_CHANGE", "REQUESTED"),
        ("STATUS_CHANGE", "ACCEPTED"),
        ("STATUS_CHANGE", "COMPLETED"),
        ("NOTE", None),
        ("VIEWED", None),
    ]
    assert seen["history"][3]["outcome"] == "GOT_HELP"

    # Other organizations see nothing; auditors see the referral but no personal data.
    assert (await gql(ONE, {"id": rid}, headers=s.outsider.headers))["data"]["referral"] is None
    audited = (await gql(ONE, {"id": rid}, headers=s.auditor.headers))["data"]["referral"]
    assert audited["client"] is None
    assert audited["notes"] is None
    assert audited["noteEntries"] == []
    assert audited["status"] == "COMPLETED"

    logs = list(await session.exec(select(AccessLog)))
    assert {row.user_id for row in logs} == {s.receiver.user.id}
    assert {row.through for row in logs} == {"graphql:Referral.client"}


async def test_lists_are_scoped_to_the_viewer(session: AsyncSession, gql: GQL) -> None:
    s = await setup(session)
    first = await draft(gql, s)
    second = await draft(gql, s)
    await gql(SEND, {"id": second}, headers=s.sender.headers)

    def ids(body: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in body["data"]["referrals"]["edges"]]

    sent = await gql(LIST, {"filter": {"direction": "SENT"}}, headers=s.sender.headers)
    assert set(ids(sent)) == {first, second}
    received = await gql(LIST, {"filter": {"direction": "RECEIVED"}}, headers=s.receiver.headers)
    assert ids(received) == [second]
    drafts = await gql(
        LIST, {"filter": {"status": ["DRAFT"], "need": "food"}}, headers=s.sender.headers
    )
    assert ids(drafts) == [first]
    assert ids(await gql(LIST, {}, headers=s.outsider.headers)) == []
    page = await gql(LIST, {"first": 1}, headers=s.sender.headers)
    assert page["data"]["referrals"]["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        LIST,
        {"first": 1, "after": page["data"]["referrals"]["pageInfo"]["endCursor"]},
        headers=s.sender.headers,
    )
    assert set(ids(page) + ids(rest)) == {first, second}
    window = await gql(
        LIST,
        {"filter": {"dateRange": {"from": "2000-01-01T00:00:00Z", "to": "2000-02-01T00:00:00Z"}}},
        headers=s.sender.headers,
    )
    assert ids(window) == []


async def test_typed_errors(session: AsyncSession, gql: GQL) -> None:
    s = await setup(session)
    no_consent = await draft(gql, s, consent=False)
    body = await gql(SEND, {"id": no_consent}, headers=s.sender.headers)
    assert body["data"]["referralSend"]["errors"] == [{"field": "clientId", "code": "NO_CONSENT"}]

    closed = await draft(gql, s, service=s.closed_service_id)
    body = await gql(SEND, {"id": closed}, headers=s.sender.headers)
    assert body["data"]["referralSend"]["errors"] == [
        {"field": "serviceId", "code": "NOT_ACCEPTING"}
    ]

    body = await gql(UPDATE, {"id": closed, "status": "ACCEPTED", "v": 1}, headers=s.sender.headers)
    assert body["data"]["referralUpdateStatus"] == {"__typename": "Forbidden", "code": "FORBIDDEN"}
    body = await gql(
        UPDATE, {"id": closed, "status": "CANCELLED", "v": 1}, headers=s.sender.headers
    )
    assert body["data"]["referralUpdateStatus"]["errors"] == [
        {"field": "reason", "code": "REQUIRED"}
    ]
    body = await gql(UPDATE, {"id": closed, "status": "CANCELLED", "v": 1, "reason": "x"})
    assert body["data"]["referralUpdateStatus"]["__typename"] == "Unauthenticated"
    body = await gql(
        UPDATE,
        {"id": closed, "status": "CANCELLED", "v": 1, "reason": "x"},
        headers=s.outsider.headers,
    )
    assert body["data"]["referralUpdateStatus"]["__typename"] == "NotFound"
    body = await gql(
        UPDATE, {"id": "bogus", "status": "CANCELLED", "v": 1}, headers=s.sender.headers
    )
    assert body["data"]["referralUpdateStatus"]["errors"] == [{"field": "id", "code": "INVALID"}]
    body = await gql(
        CLIENT_CREATE,
        {"input": {"organizationId": s.sender_org_id, "name": " ", "preferredChannel": "EMAIL"}},
        headers=s.sender.headers,
    )
    assert {e["field"] for e in body["data"]["clientCreate"]["errors"]} == {
        "name",
        "preferredChannel",
    }


async def test_client_links_are_shown_once_and_revocable(session: AsyncSession, gql: GQL) -> None:
    s = await setup(session)
    rid = await draft(gql, s)
    await gql(SEND, {"id": rid}, headers=s.sender.headers)
    body = await gql(
        "mutation($id: ID!) { clientLinkIssue(referralId: $id, ttlDays: 7) { __typename"
        " ... on ClientLinkIssuePayload { url link { id expiresAt revokedAt } } } }",
        {"id": rid},
        headers=s.sender.headers,
    )
    issued = body["data"]["clientLinkIssue"]
    assert issued["url"].startswith("http://127.0.0.1:8000/r/rl_")
    listed = await gql(
        "query($id: ID!) { referral(id: $id) { clientLinks { id revokedAt } } }",
        {"id": rid},
        headers=s.sender.headers,
    )
    assert listed["data"]["referral"]["clientLinks"] == [
        {"id": issued["link"]["id"], "revokedAt": None}
    ]
    assert "rl_" not in str(listed)
    body = await gql(
        "mutation($id: ID!) { clientLinkRevoke(id: $id) { __typename"
        " ... on ClientLinkPayload { link { revokedAt } } } }",
        {"id": issued["link"]["id"]},
        headers=s.receiver.headers,
    )
    assert body["data"]["clientLinkRevoke"]["link"]["revokedAt"] is not None


async def test_fifty_concurrent_graphql_status_changes(session: AsyncSession, gql: GQL) -> None:
    s = await setup(session)
    rid = await draft(gql, s)
    await gql(SEND, {"id": rid}, headers=s.sender.headers)
    bodies = await asyncio.gather(
        *(
            gql(UPDATE, {"id": rid, "status": "ACCEPTED", "v": 2}, headers=s.receiver.headers)
            for _ in range(50)
        )
    )
    kinds = sorted(b["data"]["referralUpdateStatus"]["__typename"] for b in bodies)
    assert kinds == ["Conflict"] * 49 + ["ReferralPayload"]
    seen = (await gql(ONE, {"id": rid}, headers=s.sender.headers))["data"]["referral"]
    assert [h["version"] for h in seen["history"]] == [1, 2, 3]


async def test_subscription_relays_broadcasts_of_my_organizations(
    session: AsyncSession, container: Container
) -> None:
    s = await setup(session)
    org_id = next(iter(s.sender.principal.organization_ids))
    schema = build_schema(container.settings)
    context = Context(container, principal=s.sender.principal, websocket=True)
    stream = await schema.subscribe(
        "subscription { referralEvents {"
        " eventId topic referralId toStatus actorRole occurredAt } }",
        context_value=context,
    )
    assert hasattr(stream, "__anext__")
    pending = asyncio.ensure_future(stream.__anext__())
    broadcaster = container.broadcaster
    # Wait until the resolver has subscribed, then publish one foreign and one own event.
    for _ in range(100):
        if broadcaster.subscriber_count(f"org:{org_id}"):  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.01)
    # The shape the notifications dispatcher publishes: flat public fields plus the event id.
    message = {
        "event_id": "e-1",
        "topic": "referral.status_changed",
        "referral_id": "r-1",
        "to_status": "accepted",
        "actor_role": "receiver",
        "occurred_at": "2026-11-22T03:00:00+00:00",
    }
    await broadcaster.publish("org:someone-else", {**message, "event_id": "e-0"})
    await broadcaster.publish(f"org:{org_id}", {"topic": "service.updated", "id": "x"})
    await broadcaster.publish(f"org:{org_id}", message)
    result = await asyncio.wait_for(pending, 5)
    assert result.errors is None
    assert result.data == {
        "referralEvents": {
            "eventId": "e-1",
            "topic": "referral.status_changed",
            "referralId": to_global_id("Referral", "r-1"),
            "toStatus": "ACCEPTED",
            "actorRole": "RECEIVER",
            "occurredAt": "2026-11-22T03:00:00+00:00",
        }
    }
    await stream.aclose()
