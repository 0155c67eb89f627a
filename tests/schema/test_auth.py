"""Sign-in, token revocation, and authentication over HTTP and WebSocket."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hub.app import create_app
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from schema.relay import to_global_id
from tests.builders import PASSWORD, make_organization, make_person
from tests.schema.conftest import GQL, World

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename
  ... on LoginPayload { token tokenId expiresAt me { email memberships { role } } }
  ... on Unauthenticated { message code } } }"""
REVOKE = """mutation($id: ID!) { tokenRevoke(tokenId: $id) { __typename
  ... on TokenRevoked { tokenId } ... on NotFound { entity } ... on Unauthenticated { code } } }"""


async def test_login_returns_a_token_that_authenticates_until_revoked(
    gql: GQL, world: World
) -> None:
    body = await gql(LOGIN, {"e": "ADMIN@east.org", "p": PASSWORD})
    payload = body["data"]["login"]
    headers = {"Authorization": f"Bearer {payload['token']}"}

    me = await gql("{ me { email } }", headers=headers)
    by_stranger = await gql(REVOKE, {"id": payload["tokenId"]}, headers=world.west_admin.headers)
    revoked = await gql(REVOKE, {"id": payload["tokenId"]}, headers=headers)
    after = await gql("{ me { email } }", headers=headers, status=401)

    assert payload["me"] == {"email": "admin@east.org", "memberships": [{"role": "org_admin"}]}
    assert me["data"]["me"] == {"email": "admin@east.org"}
    assert by_stranger["data"]["tokenRevoke"]["__typename"] == "NotFound"
    assert revoked["data"]["tokenRevoke"]["__typename"] == "TokenRevoked"
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_wrong_password_and_unknown_email_look_the_same(gql: GQL, world: World) -> None:
    wrong = await gql(LOGIN, {"e": "admin@east.org", "p": "not the password"})
    unknown = await gql(LOGIN, {"e": "nobody@east.org", "p": PASSWORD})

    assert wrong["data"]["login"] == unknown["data"]["login"]
    assert wrong["data"]["login"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_token_revoke_is_refused(gql: GQL) -> None:
    body = await gql(
        REVOKE, {"id": to_global_id("ApiToken", "00000000-0000-4000-8000-000000000000")}
    )

    assert body["data"]["tokenRevoke"] == {
        "__typename": "Unauthenticated",
        "code": "UNAUTHENTICATED",
    }


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer hub_unknown"])
async def test_malformed_or_unknown_credentials_are_401(gql: GQL, header: str) -> None:
    body = await gql(
        "{ services { edges { cursor } } }", headers={"Authorization": header}, status=401
    )

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _token(settings: Settings) -> str:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            person = await _person(session)
            await session.commit()
            return person
    finally:
        await engine.dispose()


async def _person(session: AsyncSession) -> str:
    org = await make_organization(session)
    return (await make_person(session, "coach@east.org", organization=org)).token


SUBSCRIBE = {
    "id": "1",
    "type": "subscribe",
    "payload": {"query": "subscription { referralEvents { __typename } }"},
}


async def test_websocket_refuses_a_bad_token_and_accepts_a_good_one(settings: Settings) -> None:
    token = await _token(settings)
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4403

        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            )
            assert ws.receive_json()["type"] == "connection_ack"

        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(SUBSCRIBE)
            message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_legacy_graphql_ws_protocol_reports_the_rejection(settings: Settings) -> None:
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        message = ws.receive_json()

    assert message["type"] == "connection_error"
    assert message["payload"]["code"] == "UNAUTHENTICATED"
