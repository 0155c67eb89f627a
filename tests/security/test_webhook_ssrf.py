"""Webhooks reach public addresses only: checked at creation and each connection; no redirects."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core import netguard
from hub.core.clock import FixedClock
from hub.core.errors import ValidationFailed
from referrals.notifications.webhooks import create_subscription, post_signed
from schema.relay import to_global_id
from tests.security.conftest import Hostile

INTERNAL_URLS = [
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost:8443/hook",
    "https://[::1]/hook",
    "https://10.0.0.1/hook",
    "https://192.168.1.20/hook",
    "https://172.16.0.5/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[64:ff9b::a00:1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://240.0.0.1/hook",
    "https://224.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one decimal number
    "https://0x7f.1/hook",  # and in hex shorthand
    "https://[fe80::1%25eth0]/hook",
    "https://LOCALHOST./hook",
]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::7f00:1", False),
        ("fc00::1", False),
        ("192.0.2.1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert netguard.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("url", INTERNAL_URLS)
async def test_internal_endpoints_are_refused_at_creation(
    session: AsyncSession, hostile: Hostile, url: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await create_subscription(
            session=session,
            actor=hostile.admin.principal,
            clock=FixedClock(datetime.now(UTC)),
            organization_id=hostile.world.receiver_org.id,
            url=url,
        )
    assert [e.field for e in refused.value.errors] == ["url"]


async def test_graphql_refuses_the_metadata_address(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    query = (
        "mutation($i: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $i) "
        "{ __typename ... on ValidationFailed { errors { field message } } } }"
    )
    org = to_global_id("Organization", hostile.world.receiver_org.id)
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"i": {"organizationId": org, "url": INTERNAL_URLS[0]}}},
        headers=hostile.admin.headers,
    )
    result = response.json()["data"]["webhookSubscriptionCreate"]
    assert result["__typename"] == "ValidationFailed"
    assert "public addresses only" in result["errors"][0]["message"]


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]
    redirect_to: str | None

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


def _serve(redirect_to: str | None = None) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits, "redirect_to": redirect_to})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


@pytest.fixture
def target() -> Iterator[tuple[str, list[str]]]:
    """A real loopback HTTP endpoint that records what reached it."""
    server, hits = _serve()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


async def _post(client: httpx.AsyncClient, url: str) -> tuple[bool, int | None, str | None]:
    result = await post_signed(
        client,
        url=url,
        secret="s",
        body=b"{}",
        event_id="e",
        delivery_id="d",
        topic="referral.sent",
        now=datetime.now(UTC),
        timeout_seconds=5,
    )
    return result.ok, result.status_code, result.error


async def test_every_delivery_checks_the_address_again(target: tuple[str, list[str]]) -> None:
    url, hits = target
    async with netguard.guarded_client(allowed_hosts=["127.0.0.1"], timeout=5) as allowed:
        assert await _post(allowed, f"{url}/ok") == (True, 204, None)
    # A subscription accepted earlier (the name then resolved publicly) now points inside.
    async with netguard.guarded_client(timeout=5) as guarded:
        ok, status, error = await _post(guarded, f"{url}/inside")
    assert (ok, status, error) == (False, None, "The endpoint's address is not public.")
    assert hits == ["/ok"]


async def test_names_that_resolve_inside_are_refused_at_delivery(
    target: tuple[str, list[str]],
) -> None:
    url, hits = target
    port = url.rsplit(":", 1)[1]
    async with netguard.guarded_client(timeout=5) as guarded:
        ok, _, error = await _post(guarded, f"http://localhost:{port}/by-name")
    assert (ok, error) == (False, "The endpoint's address is not public.")
    assert hits == []


async def test_redirects_are_never_followed(target: tuple[str, list[str]]) -> None:
    inner_url, inner_hits = target
    server, hits = _serve(redirect_to=f"{inner_url}/secret")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        async with netguard.guarded_client(allowed_hosts=["127.0.0.1"], timeout=5) as client:
            ok, status, error = await _post(client, f"{url}/hook")
    finally:
        server.shutdown()
        server.server_close()
    assert (ok, status, error) == (False, 302, "HTTP 302")
    assert (hits, inner_hits) == (["/hook"], [])


async def test_failures_reveal_no_network_detail() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with netguard.guarded_client(allowed_hosts=["127.0.0.1"], timeout=5) as client:
        ok, _, error = await _post(client, f"http://127.0.0.1:{closed_port}/hook")
    assert (ok, error) == (False, "Could not connect to the endpoint.")
    assert str(closed_port) not in (error or "")
