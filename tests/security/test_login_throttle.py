"""Login throttling per account and address, shared through the database; one login a request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.app import create_app
from hub.container import build_container
from hub.core.clock import FixedClock
from hub.core.db import SessionFactory
from hub.core.errors import ErrorCode, Unauthenticated
from hub.core.settings import Settings
from hub.identity import service
from hub.identity.models import LoginAttemptCounter
from hub.identity.service import create_user, login
from hub.identity.throttle import LoginLimits, LoginThrottle, TooManyAttempts

PASSWORD = "correct horse battery"
LOGIN = (
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
    "... on Unauthenticated { code message } } }"
)


async def _user(session: AsyncSession, email: str) -> None:
    await create_user(session=session, email=email, name="Someone", password=PASSWORD)
    await session.commit()


async def _gql_login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["login"]
    return result


async def test_an_account_is_locked_after_five_wrong_passwords_even_for_the_right_one(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _user(session, "coach@example.org")
    for _ in range(5):
        wrong = await _gql_login(client, "coach@example.org", "not the password")
        assert wrong["code"] == "UNAUTHENTICATED"
    locked = await _gql_login(client, "COACH@example.org ", PASSWORD)
    assert locked["__typename"] == "Unauthenticated"
    assert locked["code"] == "RATE_LIMITED"
    assert "Too many sign-in attempts" in locked["message"]


async def test_a_success_forgets_the_accounts_attempts(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _user(session, "coach@example.org")
    for _ in range(4):
        await _gql_login(client, "coach@example.org", "not the password")
    assert (await _gql_login(client, "coach@example.org", PASSWORD))["__typename"] == "LoginPayload"
    for _ in range(4):
        await _gql_login(client, "coach@example.org", "not the password")
    assert (await _gql_login(client, "coach@example.org", PASSWORD))["__typename"] == "LoginPayload"


async def test_one_address_is_limited_across_accounts(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _user(session, "real@example.org")
    for n in range(20):
        assert (await _gql_login(client, f"guess{n}@example.org", "x"))["code"] == "UNAUTHENTICATED"
    refused = await _gql_login(client, "real@example.org", PASSWORD)
    assert refused["code"] == "RATE_LIMITED"


async def test_the_window_passes_and_the_account_opens_again(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    await _user(session, "coach@example.org")
    throttle = LoginThrottle(
        session_factory, LoginLimits(per_account=2, window=timedelta(minutes=5))
    )
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    async def attempt(at: datetime, password: str) -> None:
        async with session_factory() as fresh:
            await login(
                session=fresh,
                email="coach@example.org",
                password=password,
                ttl=timedelta(hours=1),
                clock=FixedClock(at),
                throttle=throttle,
                client_address="198.51.100.7",
            )
            await fresh.commit()

    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await attempt(start, "wrong")
    with pytest.raises(TooManyAttempts) as refused:
        await attempt(start + timedelta(minutes=4), PASSWORD)
    assert refused.value.code is ErrorCode.RATE_LIMITED
    await attempt(start + timedelta(minutes=10), PASSWORD)
    counters = (await session.exec(select(LoginAttemptCounter))).all()
    # Digests only: no email or address is stored.
    assert counters
    assert all("example.org" not in c.key and "198.51" not in c.key for c in counters)


async def test_workers_share_the_count_through_the_database(
    session: AsyncSession, settings: Settings
) -> None:
    await _user(session, "coach@example.org")
    first, second = build_container(settings), build_container(settings)
    try:
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(container=c)), base_url="http://t"
            )
            for c in (first, second)
        ]
        for n in range(5):
            await _gql_login(clients[n % 2], "coach@example.org", "wrong")
        assert (await _gql_login(clients[1], "coach@example.org", PASSWORD))["code"] == (
            "RATE_LIMITED"
        )
        for http in clients:
            await http.aclose()
    finally:
        await first.close()
        await second.close()


async def test_unknown_emails_cost_a_password_hash(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    service._dummy_hash.cache_clear()
    await _gql_login(client, "nobody@example.org", "whatever")
    assert service._dummy_hash.cache_info().currsize == 1


@pytest.mark.parametrize(
    "document",
    [
        'mutation { a: login(email: "a@x.org", password: "p") { __typename } '
        'b: login(email: "b@x.org", password: "p") { __typename } }',
        'mutation { ...L ...L2 } fragment L on Mutation { login(email: "a@x.org", password: "p") '
        '{ __typename } } fragment L2 on Mutation { x: login(email: "b@x.org", password: "p") '
        "{ __typename } }",
        'mutation { ... on Mutation { a: login(email: "a@x.org", password: "p") { __typename } } '
        'login(email: "b@x.org", password: "p") { __typename } }',
    ],
    ids=["aliases", "fragments", "inline-fragment"],
)
async def test_one_login_per_request(
    session: AsyncSession, client: httpx.AsyncClient, document: str
) -> None:
    body = (await client.post("/graphql", json={"query": document})).json()
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_QUERY"]
    assert "one login per request" in body["errors"][0]["message"]
    # Refused before running: not even an attempt was counted.
    assert (await session.exec(select(LoginAttemptCounter))).all() == []


async def test_parallel_guesses_are_all_counted(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    await _user(session, "coach@example.org")
    throttle = LoginThrottle(session_factory, LoginLimits(per_account=3, per_address=100))

    async def guess(n: int) -> str:
        async with session_factory() as fresh:
            try:
                await login(
                    session=fresh,
                    email="coach@example.org",
                    password=f"guess {n}",
                    ttl=timedelta(hours=1),
                    clock=FixedClock(datetime.now(UTC)),
                    throttle=throttle,
                    client_address="203.0.113.9",
                )
            except Unauthenticated as refused:
                return refused.code.value
        return "SIGNED_IN"

    outcomes = await asyncio.gather(*(guess(n) for n in range(8)))
    # Counted before the password check: only the first three were checked at all.
    assert sorted(outcomes) == ["RATE_LIMITED"] * 5 + ["UNAUTHENTICATED"] * 3
    counters = {c.key[:2]: c.attempts for c in (await session.exec(select(LoginAttemptCounter)))}
    assert counters == {"a:": 8, "i:": 8}
