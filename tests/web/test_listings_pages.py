"""The listings page over HTTP: an organization's services, stale flags, "mark verified"."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import col, func, select

from hub.app import create_app
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from hub.identity.models import Membership, User
from providers.models import Metadata, Service
from tests.web.demo_world import demo_email
from tests.web.referral_world import csrf_of, receiving_service, sign_in_http

BASE = "http://127.0.0.1:8000"


@pytest.fixture
async def app_client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The console app in process, with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http
    await app.state.container.close()


async def _never_verified_service(settings: Settings, local: str) -> str:
    """Make one service of `local`'s organization never verified (test setup); its id."""
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            user = (await session.exec(select(User).where(User.email == demo_email(local)))).one()
            membership = (
                await session.exec(select(Membership).where(Membership.user_id == user.id))
            ).one()
            service = (
                await session.exec(
                    select(Service)
                    .where(col(Service.organization_id) == membership.organization_id)
                    .order_by(col(Service.name))
                )
            ).first()
            assert service is not None
            service.last_verified_at = None
            session.add(service)
            await session.commit()
            return service.id
    finally:
        await engine.dispose()


async def _service_state(settings: Settings, service_id: str) -> tuple[object, int, int]:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            service = await session.get(Service, service_id)
            assert service is not None
            logged = (
                await session.exec(
                    select(func.count())
                    .select_from(Metadata)
                    .where(
                        col(Metadata.resource_id) == service_id,
                        col(Metadata.field_name) == "last_verified_at",
                    )
                )
            ).one()
            return service.last_verified_at, service.version, logged
    finally:
        await engine.dispose()


def _card(html: str, service_id: str) -> str:
    found = re.search(rf'<li class="card[^"]*" id="service-{service_id}".*?</li>', html, re.S)
    assert found, "the service has no card"
    return found.group(0)


async def test_org_admin_sees_a_stale_listing_and_marks_it_verified(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id = await _never_verified_service(demo_settings, "ajcc.admin")
    _, _, logged_before = await _service_state(demo_settings, service_id)
    await sign_in_http(app_client, "ajcc.admin")
    page = await app_client.get("/listings")
    assert page.status_code == 200
    assert "Listings that need verifying:" in page.text
    card = _card(page.text, service_id)
    assert "Needs verifying" in card
    assert "Never" in card
    version = re.search(r'name="version" value="(\d+)"', card)
    assert version
    done = await app_client.post(
        f"/listings/services/{service_id}/verify",
        data={"csrf": csrf_of(page.text), "version": version.group(1)},
    )
    assert done.status_code == 303
    after = await app_client.get(done.headers["location"])
    assert "Marked verified today." in after.text
    assert "Needs verifying" not in _card(after.text, service_id)
    verified_at, new_version, logged = await _service_state(demo_settings, service_id)
    assert verified_at is not None
    assert new_version == int(version.group(1)) + 1
    assert logged == logged_before + 1
    # The same (now stale) form again: a plain conflict, nothing written.
    again = await app_client.post(
        f"/listings/services/{service_id}/verify",
        data={"csrf": csrf_of(page.text), "version": version.group(1)},
    )
    assert again.status_code == 409
    assert "changed while you had the page open" in again.text
    assert await _service_state(demo_settings, service_id) == (verified_at, new_version, logged)


async def test_staff_read_but_cannot_verify_and_strangers_see_nothing(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id = await _never_verified_service(demo_settings, "coach.alameda")
    before = await _service_state(demo_settings, service_id)
    await sign_in_http(app_client, "coach.alameda")
    page = await app_client.get("/listings")
    assert page.status_code == 200
    assert "Needs verifying" in _card(page.text, service_id)
    assert "/verify" not in page.text  # no button for staff
    refused = await app_client.post(
        f"/listings/services/{service_id}/verify", data={"csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 403
    assert "Your role does not allow this." in refused.text
    forged = await app_client.post(
        f"/listings/services/{service_id}/verify", data={"csrf": "forged"}
    )
    assert forged.status_code == 403
    assert "This form expired" in forged.text
    assert await _service_state(demo_settings, service_id) == before
    _, food_bank = await receiving_service(demo_settings, "foodbank.admin")
    app_client.cookies.clear()
    await sign_in_http(app_client, "ajcc.admin")
    for query in (f"?org={food_bank}", "?org=nonsense", "?org=" + "x" * 300):
        answer = await app_client.get("/listings" + query)
        assert answer.status_code == 404
    page = await app_client.get("/listings")
    unknown = await app_client.post(
        "/listings/services/no-such-service/verify", data={"csrf": csrf_of(page.text)}
    )
    assert unknown.status_code == 404


async def test_hub_admin_opens_any_organization_and_verifies(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, food_bank = await receiving_service(demo_settings, "foodbank.admin")
    _, _, logged_before = await _service_state(demo_settings, service_id)
    await sign_in_http(app_client, "admin")
    assert (await app_client.get("/listings")).status_code == 404  # belongs to no organization
    page = await app_client.get(f"/listings?org={food_bank}")
    assert page.status_code == 200
    card = _card(page.text, service_id)
    version = re.search(r'name="version" value="(\d+)"', card)
    assert version
    done = await app_client.post(
        f"/listings/services/{service_id}/verify",
        data={"csrf": csrf_of(page.text), "version": version.group(1)},
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/listings?org={food_bank}&verified={service_id}")
    verified_at, _, logged = await _service_state(demo_settings, service_id)
    assert verified_at is not None
    assert logged == logged_before + 1
