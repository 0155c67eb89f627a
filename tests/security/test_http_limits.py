"""Body size limits (counted as streamed), bounded document caches, and the security headers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.web.body_limit import BodyLimitMiddleware
from schema import limits
from tests.security.conftest import Hostile

QUERY = "{ organizations(first: 1) { edges { cursor } } }"


async def test_a_declared_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * 1_100_000
    response = await client.post("/graphql", json={"query": QUERY, "variables": {"p": padding}})
    assert response.status_code == 413
    assert "larger than 1,000,000 bytes" in response.text


async def test_a_streamed_body_without_length_is_counted(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "' + QUERY.encode() + b'", "variables": {"p": "'
        for _ in range(20):
            yield b"y" * 100_000
        yield b'"}}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"p": "z" * 900_000}}
    )
    assert response.status_code == 200
    assert "errors" not in response.json()


async def _echo_length(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


async def test_upload_paths_take_their_own_limit() -> None:
    app = Starlette(
        routes=[
            Route("/admin/imports/new", _echo_length, methods=["POST"]),
            Route("/graphql", _echo_length, methods=["POST"]),
        ]
    )
    limited = BodyLimitMiddleware(
        app, max_bytes=1_000, upload_bytes=10_000, upload_prefixes=["/admin/imports"]
    )
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.post("/admin/imports/new", content=b"u" * 5_000)).text == "5000"
        assert (await http.post("/admin/imports/new", content=b"u" * 10_001)).status_code == 413
        assert (await http.post("/graphql", content=b"u" * 5_000)).status_code == 413
        # A prefix is a path segment: /admin/importsX is not an upload path.
        assert limited.limit_for("/admin/importsX") == 1_000


async def test_large_documents_are_never_cached(client: httpx.AsyncClient) -> None:
    limits._cached_parse.cache_clear()
    big = (
        "{ organizations(first: 1) { edges { cursor } } }" + " " * limits.MAX_CACHED_DOCUMENT_CHARS
    )
    for _ in range(2):
        response = await client.post("/graphql", json={"query": big})
        assert response.status_code == 200
    assert limits._cached_parse.cache_info().currsize == 0
    await client.post("/graphql", json={"query": QUERY})
    await client.post("/graphql", json={"query": QUERY})
    info = limits._cached_parse.cache_info()
    assert (info.currsize, info.hits) == (1, 1)
    # The validation of the short document was reused too (same document, same rules).
    assert limits._cached_validate is not None
    assert limits._cached_validate.cache_info().hits >= 1


async def test_json_answers_carry_nosniff_and_stay_out_of_shared_caches(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    anonymous = await client.post("/graphql", json={"query": QUERY})
    signed_in = await client.post("/graphql", json={"query": QUERY}, headers=hostile.admin.headers)
    for response in (anonymous, signed_in):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-store"


async def test_the_public_directory_is_cacheable_only_without_credentials(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    anonymous = await client.get("/hsds/services")
    assert anonymous.status_code == 200
    assert anonymous.headers["x-content-type-options"] == "nosniff"
    assert anonymous.headers["cache-control"].startswith("public")
    with_token = await client.get("/hsds/services", headers=hostile.admin.headers)
    with_cookie = await client.get("/hsds/services", headers={"Cookie": "hub_session=abc"})
    for response in (with_token, with_cookie):
        assert response.headers["cache-control"] == "private, no-store"


async def test_csv_and_errors_carry_the_headers_too(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    report = await client.get(
        "/reports/health.csv",
        params={"from": "2026-01-01", "to": "2027-01-01"},
        headers=hostile.admin.headers,
    )
    refused = await client.post("/graphql", content=b"null", headers={"Content-Type": "x"})
    too_big = await client.post("/graphql", content=json.dumps({"q": "x" * 2_000_000}))
    for response in (report, refused, too_big):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-store"
