"""Notification settings over HTTP: email choices, webhooks (add, pause, remove), redelivery."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import col, func, select

from hub.app import create_app
from hub.core.db import create_engine, create_session_factory
from hub.core.events import OutboxEvent
from hub.core.settings import Settings
from referrals.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookSubscription,
)
from tests.web.referral_world import csrf_of, receiving_service, sign_in_http

BASE = "http://127.0.0.1:8000"
CHECKED = re.compile(r'name="email" value="([a-z_]+)" checked')


@pytest.fixture
async def app_client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The console app in process, with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http
    await app.state.container.close()


async def _hooks(settings: Settings) -> list[WebhookSubscription]:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            return list(await session.exec(select(WebhookSubscription)))
    finally:
        await engine.dispose()


async def _failed_delivery(settings: Settings, subscription: WebhookSubscription) -> str:
    """A failed delivery of the subscription, as the dispatcher would have left it (setup)."""
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            event = OutboxEvent(
                topic="referral.sent", aggregate_type="referral", aggregate_id="r-1", payload={}
            )
            session.add(event)
            await session.flush()
            row = NotificationDelivery(
                event_id=event.id,
                subscriber_key=f"webhook:{subscription.id}",
                channel=Channel.WEBHOOK,
                topic="referral.sent",
                organization_id=subscription.organization_id,
                subscription_id=subscription.id,
                status=DeliveryStatus.FAILED,
                attempts=8,
                last_status_code=500,
            )
            session.add(row)
            await session.commit()
            return row.id
    finally:
        await engine.dispose()


async def _delivery_status(settings: Settings, delivery_id: str) -> DeliveryStatus:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            row = await session.get(NotificationDelivery, delivery_id)
            assert row is not None
            return row.status
    finally:
        await engine.dispose()


async def test_staff_choose_their_emails(app_client: httpx.AsyncClient) -> None:
    await sign_in_http(app_client, "coach.alameda")
    page = await app_client.get("/settings")
    assert page.status_code == 200
    assert set(CHECKED.findall(page.text)) == {
        "new_referral",
        "status_changed",
        "sla_reminder",
        "sla_escalated",
    }
    assert 'id="webhooks"' not in page.text  # staff, not admins
    saved = await app_client.post(
        "/settings/email",
        data={"csrf": csrf_of(page.text), "email": ["new_referral", "sla_escalated"]},
    )
    assert saved.status_code == 303
    page = await app_client.get(saved.headers["location"])
    assert "Your email choices are saved." in page.text
    assert set(CHECKED.findall(page.text)) == {"new_referral", "sla_escalated"}
    bad = await app_client.post(
        "/settings/email", data={"csrf": csrf_of(page.text), "email": ["spam"]}
    )
    assert bad.status_code == 400
    assert "Unknown email kinds: spam." in bad.text
    assert set(CHECKED.findall((await app_client.get("/settings")).text)) == {
        "new_referral",
        "sla_escalated",
    }
    refused = await app_client.post(
        "/settings/webhooks",
        data={"csrf": csrf_of(page.text), "url": "https://hooks.example.org/x"},
    )
    assert refused.status_code in {403, 404}


async def test_org_admin_adds_pauses_redelivers_and_removes_a_webhook(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in_http(app_client, "ajcc.admin")
    page = await app_client.get("/settings")
    assert 'id="webhooks"' in page.text
    org = re.search(r'name="org" value="([^"]+)"', page.text)
    assert org
    token = csrf_of(page.text)
    for bad_url in ("http://127.0.0.1/hook", "not a url", "https://10.0.0.5/x"):
        refused = await app_client.post(
            "/settings/webhooks", data={"csrf": token, "org": org.group(1), "url": bad_url}
        )
        assert refused.status_code == 400
        assert 'id="f-url-error"' in refused.text
    assert await _hooks(demo_settings) == []
    added = await app_client.post(
        "/settings/webhooks",
        data={
            "csrf": token,
            "org": org.group(1),
            "url": "https://hooks.example.org/hub",
            "topics": ["referral.sent", "referral.status_changed"],
        },
    )
    assert added.status_code == 200
    secret = re.search(r"<code>(whsec_[\w-]+)</code>", added.text)
    assert secret
    (hook,) = await _hooks(demo_settings)
    assert hook.secret == secret.group(1)
    assert hook.topics == ["referral.sent", "referral.status_changed"]
    later = await app_client.get("/settings")
    assert secret.group(1) not in later.text  # shown once only
    assert "https://hooks.example.org/hub" in later.text

    paused = await app_client.post(
        f"/settings/webhooks/{hook.id}/active", data={"csrf": token, "active": "no"}
    )
    assert paused.status_code == 303
    assert "Paused" in (await app_client.get(paused.headers["location"])).text
    delivery_id = await _failed_delivery(demo_settings, hook)
    log = await app_client.get(f"/settings/webhooks/{hook.id}")
    assert f'data-delivery-id="{delivery_id}"' in log.text
    again = await app_client.post(
        f"/settings/deliveries/{delivery_id}/redeliver", data={"csrf": token}
    )
    assert again.status_code == 303
    assert "queued again" in (await app_client.get(again.headers["location"])).text
    assert await _delivery_status(demo_settings, delivery_id) == DeliveryStatus.PENDING
    (hook,) = await _hooks(demo_settings)
    assert hook.active  # redelivery re-enables the webhook

    removed = await app_client.post(
        f"/settings/webhooks/{hook.id}/delete", data={"csrf": token, "org": org.group(1)}
    )
    assert removed.status_code == 303
    assert await _hooks(demo_settings) == []


async def test_foreign_and_forged_webhook_requests_change_nothing(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    _, food_bank = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "foodbank.admin")
    page = await app_client.get("/settings")
    added = await app_client.post(
        "/settings/webhooks",
        data={"csrf": csrf_of(page.text), "org": food_bank, "url": "https://hooks.example.org/a"},
    )
    assert added.status_code == 200
    (hook,) = await _hooks(demo_settings)
    app_client.cookies.clear()
    await sign_in_http(app_client, "ajcc.admin")
    page = await app_client.get(f"/settings?org={food_bank}")
    assert page.status_code == 200
    assert "https://hooks.example.org/a" not in page.text
    token = csrf_of(page.text)
    for path in (f"/settings/webhooks/{hook.id}/active", f"/settings/webhooks/{hook.id}/delete"):
        answer = await app_client.post(path, data={"csrf": token, "active": "no"})
        assert answer.status_code == 404
    assert (await app_client.get(f"/settings/webhooks/{hook.id}")).status_code == 404
    assert (
        await app_client.post("/settings/deliveries/nope/redeliver", data={"csrf": token})
    ).status_code == 404
    forged = await app_client.post(
        "/settings/webhooks",
        data={"csrf": "forged", "org": food_bank, "url": "https://hooks.example.org/b"},
    )
    assert forged.status_code == 403
    (still,) = await _hooks(demo_settings)
    assert still.active
    assert still.url == "https://hooks.example.org/a"
    engine = create_engine(demo_settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            count = (
                await session.exec(
                    select(func.count())
                    .select_from(WebhookSubscription)
                    .where(col(WebhookSubscription.organization_id) == food_bank)
                )
            ).one()
    finally:
        await engine.dispose()
    assert count == 1
