"""End to end: a mutation over HTTP reaches a `referralEvents` WebSocket subscriber in order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.models import OrgRole
from schema.relay import to_global_id
from tests.builders import make_organization, make_person, make_service

SUBSCRIBE = """
subscription { referralEvents { eventId topic referralId fromStatus toStatus actorRole version } }
"""


async def _next(ws: Any) -> dict[str, Any]:
    # Generous bound: the in-process dispatcher runs on a loaded machine; this is no timing test.
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message["type"] == "next":
            data: dict[str, Any] = message["payload"]["data"]["referralEvents"]
            return data
        assert message["type"] in {"ping", "pong"}, message


async def test_receiver_staff_see_the_referral_arrive_and_change(
    session: AsyncSession, server: str
) -> None:
    sender_org = await make_organization(session, "Eastside Career Center")
    receiver_org = await make_organization(session, "Northside Food Bank")
    service = await make_service(session, receiver_org, "Pantry", accepts_referrals=True)
    sam = await make_person(session, "sam@east.org", organization=sender_org, role=OrgRole.STAFF)
    rita = await make_person(
        session, "rita@north.org", organization=receiver_org, role=OrgRole.STAFF
    )
    await session.commit()

    ws_url = server.replace("http://", "ws://") + "/graphql"
    async with (
        websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[list-item]
        httpx.AsyncClient(base_url=server, timeout=30) as http,
    ):
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {rita.token}"}}
            )
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))

        async def gql(query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        made = await gql(
            'mutation($o: ID!) { clientCreate(input: {organizationId: $o, name: "Maria"}) {'
            " ... on ClientPayload { client { id } } } }",
            {"o": to_global_id("Organization", sender_org.id)},
            sam.token,
        )
        client_id = made["clientCreate"]["client"]["id"]
        await gql(
            "mutation($c: ID!) { consentRecord(clientId: $c) { __typename } }",
            {"c": client_id},
            sam.token,
        )
        created = await gql(
            "mutation($c: ID!, $s: ID!) { referralCreate(input: {clientId: $c, serviceId: $s,"
            ' needCodes: ["food"]}) { ... on ReferralPayload { referral { id } } } }',
            {"c": client_id, "s": to_global_id("Service", service.id)},
            sam.token,
        )
        rid = created["referralCreate"]["referral"]["id"]
        await gql(
            "mutation($id: ID!) { referralSend(id: $id) { __typename } }", {"id": rid}, sam.token
        )
        await gql(
            "mutation($id: ID!) { referralUpdateStatus(id: $id, status: ACCEPTED,"
            " expectedVersion: 2) { __typename } }",
            {"id": rid},
            rita.token,
        )
        # Worker threads may publish two close events in either order; subscribers order them
        # by the referral's version, as docs/notifications.md says.
        first, second = sorted([await _next(ws), await _next(ws)], key=lambda m: m["version"])

    # The draft never reached the receiver's channel; the send and the acceptance did, in order.
    assert (first["topic"], first["referralId"], first["toStatus"]) == (
        "referral.sent",
        rid,
        "REQUESTED",
    )
    assert (second["topic"], second["fromStatus"], second["toStatus"], second["actorRole"]) == (
        "referral.status_changed",
        "REQUESTED",
        "ACCEPTED",
        "RECEIVER",
    )
    assert first["eventId"] != second["eventId"]
