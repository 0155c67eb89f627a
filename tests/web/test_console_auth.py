"""Signing in and out of the console over HTTP: cookies, CSRF, redirects, timeouts, headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from hub.app import create_app
from hub.core.db import create_engine, create_session_factory
from hub.core.security import hash_token
from hub.core.settings import Settings
from hub.identity.models import ApiToken
from tests.web.demo_world import PASSWORD, demo_email

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The console app in process (no server), with a cookie jar like a browser's."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http
    await app.state.container.close()


async def _csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


async def _sign_in(client: httpx.AsyncClient, local: str, **extra: str) -> httpx.Response:
    token = await _csrf(client)
    form = {"csrf": token, "email": demo_email(local), "password": PASSWORD, **extra}
    return await client.post("/login", data=form)


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    start = await client.get("/")
    assert start.status_code == 303
    assert start.headers["location"] == "/login"
    page = await client.get("/referrals?box=received")
    assert page.status_code in {303, 404}  # 404 until the referrals pages are mounted
    login = await client.get("/login")
    assert login.status_code == 200
    assert '<html lang="en">' in login.text
    assert "<title>Sign in · Referral network</title>" in login.text


@pytest.mark.parametrize(
    ("local", "home"),
    [
        ("coach.alameda", "/search"),
        ("foodbank.admin", "/referrals?box=received"),
        ("board.auditor", "/board"),
        ("admin", "/admin"),
    ],
)
async def test_sign_in_opens_a_session_and_goes_to_the_role_home(
    client: httpx.AsyncClient, demo_settings: Settings, local: str, home: str
) -> None:
    answer = await _sign_in(client, local)
    assert answer.status_code == 303
    assert answer.headers["location"] == home
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("hub_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; https base URLs get Secure
    assert f"Max-Age={12 * 3600}" in cookie
    assert (await client.get("/")).headers["location"] == home

    # The session is a hashed, expiring token row: the absolute timeout is its expiry.
    token = client.cookies["hub_session"]
    engine = create_engine(demo_settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            found = await session.exec(
                select(ApiToken).where(ApiToken.token_hash == hash_token(token))
            )
            record = found.one()
    finally:
        await engine.dispose()
    assert record.expires_at - record.created_at == timedelta(hours=12)


async def test_wrong_password_and_missing_fields_say_so_and_open_nothing(
    client: httpx.AsyncClient,
) -> None:
    token = await _csrf(client)
    wrong = await client.post(
        "/login", data={"csrf": token, "email": demo_email("coach.alameda"), "password": "nope"}
    )
    assert wrong.status_code == 401
    assert "The email or password is wrong." in wrong.text
    assert 'value="coach.alameda@' in wrong.text  # the email is kept, the password is not
    assert "hub_session" not in client.cookies
    empty = await client.post("/login", data={"csrf": token, "email": "", "password": ""})
    assert empty.status_code == 400
    assert "Enter your email and password." in empty.text


async def test_forged_or_missing_csrf_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    form = {"email": demo_email("coach.alameda"), "password": PASSWORD}
    for forged in ("", "not-a-token", "é" * 10, "x" * 5000):
        answer = await client.post("/login", data={**form, "csrf": forged})
        assert answer.status_code == 403
        assert "This form expired" in answer.text
    assert "hub_session" not in client.cookies


async def test_next_is_followed_only_within_the_site(client: httpx.AsyncClient) -> None:
    inside = await _sign_in(client, "coach.alameda", next="/search?needs=food")
    assert inside.headers["location"] == "/search?needs=food"
    client.cookies.clear()
    for outside in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = await _sign_in(client, "coach.alameda", next=outside)
        assert answer.headers["location"] == "/search"
        client.cookies.clear()


async def test_sign_out_revokes_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    await _sign_in(client, "coach.alameda")
    stolen = client.cookies["hub_session"]
    signed_in = await client.get("/login")
    assert signed_in.status_code == 303  # a signed-in visitor is sent on
    # Any page rendered for the session carries the sign-out form (here: a 404 page).
    missing = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert missing.status_code == 404
    assert "Jordan Kim" in missing.text
    found = CSRF.search(missing.text)
    assert found
    out = await client.post("/logout", data={"csrf": found.group(1)})
    assert out.status_code == 303
    assert out.headers["location"] == "/login?signed_out=1"
    assert "hub_session" not in client.cookies
    assert "You are signed out." in (await client.get("/login?signed_out=1")).text
    # Replaying the old cookie gets nothing: the token behind it was revoked.
    client.cookies.set("hub_session", stolen)
    again = await client.get("/")
    assert again.headers["location"] == "/login"
    # An anonymous sign-out token cannot end someone else's session either.
    client.cookies.clear()
    await _sign_in(client, "coach.alameda")
    anonymous_token = await _csrf(
        client.__class__(transport=client._transport, base_url="http://127.0.0.1:8000")
    )
    refused = await client.post("/logout", data={"csrf": anonymous_token})
    assert refused.status_code == 403
    assert (await client.get("/")).headers["location"] == "/search"


async def test_pages_carry_security_headers_and_speak_spanish(client: httpx.AsyncClient) -> None:
    switch = await client.get("/language/es?next=/login")
    assert switch.status_code == 303
    assert switch.headers["location"] == "/login"
    page = await client.get("/login")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert '<html lang="es">' in page.text
    assert "Iniciar sesión" in page.text
    assert client.cookies["hub_lang"] == "es"
    # The language links lead back to the same page, query included.
    assert (
        'href="/language/en?next=/login%3Fnext%3D/search%253Flang%253Dtl"'
        in (await client.get("/login?next=/search%3Flang%3Dtl")).text
    )
    # Unknown languages and foreign destinations change nothing.
    other = await client.get("/language/xx?next=https://evil.example/")
    assert other.headers["location"] == "/"
    assert client.cookies["hub_lang"] == "es"
    # Without the cookie, the browser's Accept-Language decides.
    client.cookies.clear()
    asked = await client.get("/login", headers={"accept-language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in asked.text


async def test_static_files_are_served_compressed(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/console.css", headers={"accept-encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["content-encoding"] == "gzip"
    htmx = await client.get("/static/vendor/htmx/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text
    licence = await client.get("/static/vendor/htmx/LICENSE")
    assert licence.status_code == 200


async def test_graphiql_loads_its_files_from_this_server(demo_settings: Settings) -> None:
    settings = demo_settings.model_copy(update={"debug": True})
    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) == 6
        for asset in assets:
            assert asset.startswith("/static/"), asset
            assert (await http.get(asset)).status_code == 200, asset
    await app.state.container.close()


async def test_repeated_wrong_passwords_are_told_to_wait(client: httpx.AsyncClient) -> None:
    token = await _csrf(client)
    form = {"csrf": token, "email": demo_email("coach.alameda"), "password": "nope"}
    answers = [await client.post("/login", data=form) for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert "Too many sign-in attempts" in answers[-1].text
    # Locked: even the right password waits now, and no session is opened.
    right = await client.post("/login", data={**form, "password": PASSWORD})
    assert right.status_code == 429
    assert "hub_session" not in client.cookies
