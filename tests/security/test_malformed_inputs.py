"""Hostile and malformed requests get a typed 4xx or a coded GraphQL error, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from schema.relay import to_global_id
from tests.security.conftest import Hostile

SURROGATE = '"\\ud800"'  # a lone surrogate, as JSON escapes it


def codes(body: Any) -> list[str]:
    """Every `extensions.code` in a GraphQL response body."""
    return [
        str((error.get("extensions") or {}).get("code"))
        for error in (body.get("errors") or [] if isinstance(body, dict) else [])
    ]


def assert_handled(response: httpx.Response) -> Any:
    """The response is a client error or a coded answer: no 500, no INTERNAL, no trace."""
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text
    try:
        body = response.json()
    except ValueError:
        return None
    assert "INTERNAL" not in codes(body), response.text[:300]
    return body


def assert_validation_failed(body: Any, field: str) -> None:
    """A query's only error is a ValidationFailed naming `field`."""
    assert codes(body) == ["INVALID"], body
    fields = body["errors"][0]["extensions"]["fields"]
    assert [f["field"] for f in fields] == [field], fields


async def post_raw(client: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    """POST raw bytes as JSON to /graphql."""
    return await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    "raw",
    [b"null", b"true", b"42", b'"{ me { name } }"', b"[]", b"{", b'{"query": 5}'],
    ids=["null", "true", "number", "string", "list", "truncated", "query-not-text"],
)
async def test_bodies_that_are_not_a_graphql_request_are_400(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await post_raw(client, raw)
    assert_handled(response)
    assert response.status_code == 400


async def test_invalid_utf8_is_400(client: httpx.AsyncClient) -> None:
    response = await post_raw(client, b'{"query": "{ me { name } }\xff"}')
    assert_handled(response)
    assert response.status_code == 400


async def test_a_5001_digit_integer_in_variables_is_400(client: httpx.AsyncClient) -> None:
    query = "query($n: Int) { organizations(first: $n) { edges { cursor } } }"
    raw = b'{"query": ' + json.dumps(query).encode() + b', "variables": {"n": '
    response = await post_raw(client, raw + b"9" * 5001 + b"}}")
    assert_handled(response)
    assert response.status_code == 400


async def test_variables_nested_100000_deep_are_400(client: httpx.AsyncClient) -> None:
    query = "query($t: String) { organizations(text: $t) { edges { cursor } } }"
    deep = b"[" * 100_000 + b"]" * 100_000
    raw = b'{"query": ' + json.dumps(query).encode() + b', "variables": {"t": ' + deep + b"}}"
    response = await post_raw(client, raw)
    assert_handled(response)
    assert response.status_code == 400


async def test_a_hsds_search_of_50000_characters_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/hsds/services", params={"search": "a" * 50_000})
    body = assert_handled(response)
    assert response.status_code == 400
    assert body["errors"][0]["field"] == "search"


async def test_a_non_ascii_csrf_field_is_403(client: httpx.AsyncClient, hostile: Hostile) -> None:
    page = await client.get(f"/r/{hostile.link_token}")
    assert page.status_code == 200
    response = await client.post(
        f"/r/{hostile.link_token}", data={"action": "confirm", "csrf": "é" * 64}
    )
    assert_handled(response)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "cursor",
    [
        "[" * 5000,
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
        base64.urlsafe_b64encode(b"[" * 50).decode(),
        "é",
        "%%%",
        base64.urlsafe_b64encode(b'[123, "x"]').decode(),
        base64.urlsafe_b64encode(b"[null, null]").decode(),
        base64.urlsafe_b64encode(b'["a", {"t": "2026-01-01T00:00:00"}]').decode(),
        base64.urlsafe_b64encode(b'[true, "x"]').decode(),
    ],
    ids=[
        "raw-brackets",
        "encoded-brackets",
        "encoded-short",
        "non-ascii",
        "junk",
        "number-for-text",
        "nulls",
        "time-for-text",
        "boolean-for-text",
    ],
)
async def test_a_hostile_after_cursor_is_validation_failed(
    client: httpx.AsyncClient, hostile: Hostile, cursor: str
) -> None:
    query = "query($a: String) { organizations(after: $a) { edges { cursor } } }"
    response = await client.post("/graphql", json={"query": query, "variables": {"a": cursor}})
    assert_validation_failed(assert_handled(response), "after")


TEXT_QUERIES = {
    "organizations": "query($t: String) { organizations(text: $t) { edges { cursor } } }",
    "services": "query($t: String) { services(filter: {text: $t}) { edges { cursor } } }",
}


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(b'[{"t": "2026-01-01T00:00:00"}, "x"]').decode(),
        base64.urlsafe_b64encode(b'[{"t": 5}, "x"]').decode(),
        base64.urlsafe_b64encode(b'["2026", 7]').decode(),
    ],
    ids=["naive-time", "time-not-text", "wrong-types"],
)
async def test_a_forged_referrals_cursor_is_validation_failed(
    client: httpx.AsyncClient, hostile: Hostile, cursor: str
) -> None:
    query = "query($a: String) { referrals(after: $a) { edges { cursor } } }"
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"a": cursor}},
        headers=hostile.coach.headers,
    )
    assert_validation_failed(assert_handled(response), "after")


@pytest.mark.parametrize("name", sorted(TEXT_QUERIES))
async def test_text_filters_of_50000_characters_are_validation_failed(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": TEXT_QUERIES[name], "variables": {"t": "a " * 25_000}}
    )
    assert_validation_failed(assert_handled(response), "text")


async def test_a_search_text_of_50000_characters_is_validation_failed(
    client: httpx.AsyncClient,
) -> None:
    query = (
        "query($t: String) { searchServices(input: {text: $t}) { __typename "
        "... on ValidationFailed { errors { field code } } } }"
    )
    response = await client.post(
        "/graphql", json={"query": query, "variables": {"t": "a" * 50_000}}
    )
    result = assert_handled(response)["data"]["searchServices"]
    assert result["__typename"] == "ValidationFailed"
    assert result["errors"] == [{"field": "text", "code": "TOO_LONG"}]


SURROGATE_OPERATIONS = {
    "clientCreate.name": (
        'mutation($v: String!) { clientCreate(input: {organizationId: "x", name: $v}) '
        "{ __typename } }"
    ),
    "organizations.text": TEXT_QUERIES["organizations"].replace("$t", "$v"),
    "referralNoteAdd.body": (
        'mutation($v: String!) { referralNoteAdd(id: "x", body: $v) { __typename } }'
    ),
    "login.email": 'mutation($v: String!) { login(email: $v, password: "x") { __typename } }',
}


@pytest.mark.parametrize("where", sorted(SURROGATE_OPERATIONS))
async def test_a_lone_surrogate_anywhere_is_400(
    client: httpx.AsyncClient, hostile: Hostile, where: str
) -> None:
    query = json.dumps(SURROGATE_OPERATIONS[where]).encode()
    raw = b'{"query": ' + query + b', "variables": {"v": ' + SURROGATE.encode() + b"}}"
    response = await post_raw(client, raw, **hostile.coach.headers)
    assert_handled(response)
    assert response.status_code == 400
    assert "surrogate" in response.text
    # A surrogate pair (an emoji as ASCII-only JSON encoders write it) is text and passes.
    paired = raw.replace(SURROGATE.encode(), b'"\\ud83d\\ude00"')
    assert (await post_raw(client, paired, **hostile.coach.headers)).status_code == 200


async def test_a_webhook_url_that_does_not_parse_is_validation_failed(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    query = (
        "mutation($i: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $i) "
        "{ __typename ... on ValidationFailed { errors { field } } } }"
    )
    org = to_global_id("Organization", hostile.world.receiver_org.id)
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"i": {"organizationId": org, "url": "https://[evil"}}},
        headers=hostile.admin.headers,
    )
    body = assert_handled(response)
    result = body["data"]["webhookSubscriptionCreate"]
    assert result == {"__typename": "ValidationFailed", "errors": [{"field": "url"}]}


async def test_a_subscription_over_http_is_refused_with_a_code(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "subscription { referralEvents { topic } }"},
        headers=hostile.admin.headers,
    )
    assert_handled(response)
    assert response.status_code == 400
    assert "subscriptions are not allowed" in response.text


@pytest.mark.parametrize(
    "query", ["{ me { name ", "query { nope }", '{ organizations(first: "x") { edges } }']
)
async def test_syntax_and_validation_errors_carry_bad_query(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.post("/graphql", json={"query": query})
    body = assert_handled(response)
    assert codes(body)
    assert set(codes(body)) == {"BAD_QUERY"}
