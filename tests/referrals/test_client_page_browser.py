"""The client page in headless Chromium, served by uvicorn: both languages, forms, bad tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from referrals.links import issue_link, revoke_link
from referrals.models import Client as ClientRow
from referrals.models import ClientReport, NotifyChannel, Referral
from tests.referrals.builders import furnish_service, make_referral, make_world

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NOW = FixedClock(datetime.now(UTC))


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium (Playwright's own download is never used)."""
    if not CHROMIUM.exists():
        pytest.fail("Install Debian chromium: apt-get install -y chromium")
    return CHROMIUM


async def test_client_page_in_chromium(session: AsyncSession, server: str, chromium: Path) -> None:
    world = await make_world(session)
    await furnish_service(session, world.service)
    referral = await make_referral(session, world)
    good = await issue_link(
        session=session, actor=world.sender, clock=NOW, referral_id=referral.id, ttl=timedelta(30)
    )
    expired = await issue_link(
        session=session,
        actor=world.sender,
        clock=FixedClock(NOW.now() - timedelta(days=5)),
        referral_id=referral.id,
        ttl=timedelta(days=1),
    )
    revoked = await issue_link(
        session=session, actor=world.sender, clock=NOW, referral_id=referral.id, ttl=timedelta(30)
    )
    await revoke_link(session=session, actor=world.sender, clock=NOW, link_id=revoked.link.id)
    await session.commit()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(chromium), headless=True)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        page = await context.new_page()

        # Spanish is the client's preference.
        response = await page.goto(f"{server}/r/{good.token}")
        assert response is not None
        assert response.status == 200
        await expect(page.locator("html")).to_have_attribute("lang", "es")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Su referido")
        await expect(page.get_by_role("link", name="Ver indicaciones")).to_have_attribute(
            "href", "https://www.google.com/maps/dir/?api=1&destination=37.3394%2C-121.895"
        )
        await expect(page.get_by_role("link", name="Llamar al (408) 555-0101")).to_have_attribute(
            "href", "tel:4085550101"
        )
        await expect(page.get_by_text("Proof of address")).to_be_visible()
        await _shot(page, "client-link-es.png")

        # Keyboard: the first Tab reaches the skip link, and it is visible when focused.
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Ir al contenido")).to_be_focused()

        await page.get_by_role("button", name="Sí, voy a ir").click()
        await expect(page.get_by_role("status")).to_have_text("Gracias. Guardamos su respuesta.")
        await page.get_by_label("Recibí ayuda").check()
        await page.get_by_role("button", name="Enviar mi respuesta").click()
        await expect(page.get_by_label("Recibí ayuda")).to_be_checked()

        # Switch to English and use the remaining forms.
        await page.get_by_role("link", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your referral")
        await page.get_by_role("radio", name="Yes").check()
        await page.get_by_role("button", name="Send my rating").click()
        await expect(page.get_by_role("status")).to_be_visible()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await page.get_by_label("Email").check()
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_label("Email")).to_be_checked()
        await expect(page.get_by_text("You told us you will go.")).to_be_visible()
        await _shot(page, "client-link-en.png")

        # Forged, expired and revoked tokens: the same page, the same status, nothing revealed.
        bodies = []
        for token in ("rl_forged-token", expired.token, revoked.token):
            response = await page.goto(f"{server}/r/{token}")
            assert response is not None
            assert response.status == 404
            bodies.append(await page.content())
            await expect(page.get_by_text("Food pantry")).to_have_count(0)
        assert len(set(bodies)) == 1
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "This link is not available"
        )
        await _shot(page, "client-link-missing.png")
        await browser.close()

    await session.refresh(referral)
    client = await session.get(ClientRow, world.client.id)
    assert client is not None
    await session.refresh(client)
    fresh = await session.get(Referral, referral.id)
    assert fresh is not None
    assert fresh.client_confirmed_at is not None
    assert fresh.client_report == ClientReport.GOT_HELP
    assert fresh.client_helped is True
    assert client.preferred_channel == NotifyChannel.EMAIL
