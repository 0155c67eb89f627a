"""Listings and notification settings in Chromium at phone width, English and Spanish, with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot, sign_in

pytestmark = pytest.mark.browser


def _look(page: Page, name: str) -> None:
    check_axe(page, name)
    no_sideways_scroll(page)
    screenshot(page, name.replace(" (", "-").replace(")", "").replace(" ", "-"))


def test_org_admin_marks_a_listing_verified(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "ajcc.admin")
    page.goto(f"{console_url}/listings")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Listings of")
    _look(page, "listings (en)")
    card = page.locator("li.card[data-service-id]").first
    name = card.get_by_role("heading", level=3).inner_text()
    card.get_by_role("button", name=re.compile("^Mark .* verified$")).click()
    expect(page.get_by_role("status")).to_contain_text("Marked verified today.")
    verified = page.locator("li.card[data-service-id]", has_text=name).first
    expect(verified).not_to_contain_text("Needs verifying")
    expect(verified).not_to_contain_text("Never")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fichas de")
    _look(page, "listings (es)")


def test_admin_sets_emails_and_adds_a_webhook(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "ajcc.admin")
    page.goto(f"{console_url}/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    page.get_by_label("A referral I sent changes status").uncheck()
    page.get_by_role("button", name="Save email choices").click()
    expect(page.get_by_role("status")).to_have_text("Your email choices are saved.")
    expect(page.get_by_label("A referral I sent changes status")).not_to_be_checked()
    page.locator("summary", has_text="Add a webhook").click()
    page.get_by_label("Endpoint URL").fill("http://127.0.0.1/hook")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator("#f-url-error")).to_be_visible()
    page.get_by_label("Endpoint URL").fill("https://hooks.example.org/hub")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("status")).to_contain_text("shown only this once")
    expect(page.locator("[data-webhook-id]")).to_contain_text("https://hooks.example.org/hub")
    _look(page, "settings (en)")
    page.locator("[data-webhook-id]").get_by_role("button", name="Pause").click()
    expect(page.locator("[data-webhook-id]")).to_contain_text("Paused")
    page.locator("[data-webhook-id]").get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook deliveries")
    _look(page, "webhook deliveries (en)")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Envíos del webhook")
    _look(page, "webhook deliveries (es)")
    page.goto(f"{console_url}/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Configuración de avisos")
    _look(page, "settings (es)")
