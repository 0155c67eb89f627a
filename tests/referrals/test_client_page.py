"""The client page over HTTP: bad tokens reveal nothing, CSRF, rate limits, headers, catalogs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.web.client_link import POST_LIMIT
from hub.web.ratelimit import SlidingWindowLimiter
from referrals.links import issue_link, revoke_link
from referrals.models import Referral
from tests.referrals.builders import World, furnish_service, make_referral, make_world

NOW = FixedClock(datetime.now(UTC))


async def linked(session: AsyncSession) -> tuple[World, Referral, str]:
    world = await make_world(session)
    await furnish_service(session, world.service)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session,
        actor=world.sender,
        clock=NOW,
        referral_id=referral.id,
        ttl=timedelta(days=30),
    )
    await session.commit()
    return world, referral, issued.token


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_page_shows_the_referral_in_the_clients_language(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    _, _, token = await linked(session)
    page = await client.get(f"/r/{token}")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert "Su referido" in page.text
    assert "Food pantry" in page.text
    assert "123 Main St" in page.text
    assert 'href="tel:4085550101"' in page.text
    assert "lunes, miércoles, viernes" in page.text
    assert "Photo ID" in page.text
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=37.3394%2C-121.895" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    english = await client.get(f"/r/{token}?lang=en")
    assert '<html lang="en">' in english.text
    assert "Your referral" in english.text
    assert "Monday, Wednesday, Friday" in english.text


async def test_bad_tokens_all_get_the_same_404(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    world, referral, _ = await linked(session)
    expired = await issue_link(
        session=session,
        actor=world.sender,
        clock=FixedClock(NOW.now() - timedelta(days=10)),
        referral_id=referral.id,
        ttl=timedelta(days=1),
    )
    revoked = await issue_link(
        session=session, actor=world.sender, clock=NOW, referral_id=referral.id, ttl=timedelta(1)
    )
    await revoke_link(session=session, actor=world.sender, clock=NOW, link_id=revoked.link.id)
    await session.commit()
    pages = [
        await client.get(f"/r/{t}")
        for t in (expired.token, revoked.token, "rl_forged", expired.token[:-1] + "x")
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1
    assert all("set-cookie" not in p.headers for p in pages)
    assert "Food pantry" not in pages[0].text
    assert "This link is not available" in pages[0].text


async def test_forms_need_the_signed_csrf_token(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    _, referral, token = await linked(session)
    page = await client.get(f"/r/{token}?lang=en")
    good = csrf_of(page.text)
    forged = await client.post(
        f"/r/{token}", data={"csrf": "0" * 64, "action": "confirm", "lang": "en"}
    )
    assert forged.status_code == 403
    no_cookie = await client.post(
        f"/r/{token}",
        data={"csrf": good, "action": "confirm", "lang": "en"},
        headers={"cookie": ""},
    )
    client.cookies.clear()
    assert no_cookie.status_code == 403
    await client.get(f"/r/{token}?lang=en")
    fresh = csrf_of((await client.get(f"/r/{token}?lang=en")).text)
    done = await client.post(f"/r/{token}", data={"csrf": fresh, "action": "confirm", "lang": "en"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/r/{token}?lang=en&done=confirm"
    await session.refresh(referral)
    assert referral.client_confirmed_at is not None


async def test_posts_are_rate_limited_per_token_and_address(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    _, _, token = await linked(session)
    csrf = csrf_of((await client.get(f"/r/{token}")).text)
    codes = [
        (
            await client.post(
                f"/r/{token}", data={"csrf": csrf, "action": "rating", "value": "yes"}
            )
        ).status_code
        for _ in range(POST_LIMIT + 1)
    ]
    assert codes == [303] * POST_LIMIT + [429]


def test_sliding_window_forgets_old_hits() -> None:
    clock = [0.0]
    limiter = SlidingWindowLimiter(limit=2, window=10, now=lambda: clock[0])
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 0
    assert limiter.hit("a") > 0
    assert limiter.hit("b") == 0
    clock[0] = 10.5
    assert limiter.hit("a") == 0
