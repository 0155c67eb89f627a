"""The closed loop in Chromium at phone width: a coach refers, the receiver answers, live.

Also two tabs with a stale version, a foreign referral id and a forged form, and every referral
page checked with axe-core in English and Spanish.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.core.settings import Settings
from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot, sign_in
from tests.web.referral_world import receiving_service

pytestmark = pytest.mark.browser


def _service_of(settings: Settings, admin: str) -> str:
    # Playwright's sync API runs an event loop in this thread: read the database in another.
    with ThreadPoolExecutor(1) as pool:
        service_id, _ = pool.submit(asyncio.run, receiving_service(settings, admin)).result()
    return service_id


def _look(page: Page, name: str) -> None:
    check_axe(page, name)
    no_sideways_scroll(page)
    screenshot(page, name.replace(" (", "-").replace(")", "").replace(" ", "-"))


def test_coach_refers_receiver_answers_and_coach_sees_it_live(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    console_url: str,
    demo_settings: Settings,
) -> None:
    service_id = _service_of(demo_settings, "foodbank.admin")

    # --- The coach refers a new client with both consents. ---------------------------------
    sign_in(page, console_url, "coach.alameda")
    page.goto(f"{console_url}/referrals/new?service={service_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer a client")
    page.locator("summary", has_text="Add a new client").click()
    page.get_by_label("Name", exact=True).fill("Lena Park")
    page.get_by_label("Phone (optional)").fill("510-555-0142")
    page.get_by_label("Preferred language").select_option("es")
    _look(page, "refer (en)")
    page.get_by_role("button", name="Add client").click()
    expect(page.locator(".chosen-client")).to_contain_text("Lena Park")
    page.locator("input[name=needs]").first.check()
    page.get_by_label("Note for the receiving organization (optional)").fill("Prefers mornings.")
    page.get_by_label("The client agreed to be referred to this service.").check()
    page.get_by_label(re.compile("may see their name and contact details")).check()
    _look(page, "refer consent (en)")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("status").first).to_contain_text("The referral is sent.")
    referral_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    status = page.get_by_test_id("referral-status")
    expect(status).to_have_text("Sent, waiting for an answer")
    _look(page, "referral sender (en)")

    # --- The receiver sees it in the inbox, opens it, accepts. -----------------------------
    receiver_context = browser.new_context(**browser_context_args)
    tab_a = receiver_context.new_page()
    sign_in(tab_a, console_url, "foodbank.admin")
    tab_a.goto(f"{console_url}/referrals?box=received")
    row = tab_a.locator(f'[data-referral-id="{referral_id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("New")
    _look(tab_a, "inbox (en)")
    row.get_by_role("link").click()
    expect(tab_a.get_by_role("heading", level=1)).to_contain_text("Referral to")
    expect(tab_a.get_by_text("Lena Park")).to_be_visible()  # shared with consent
    tab_a.get_by_role("button", name="Accept").click()
    expect(tab_a.get_by_test_id("referral-status")).to_have_text("Accepted")
    # The coach's page follows without a reload (htmx polls the status area).
    expect(status).to_have_text("Accepted", timeout=15_000)
    expect(page.locator("#referral-live")).to_contain_text("Opened by the receiving organization")

    # A second tab opened now will hold a stale version once tab A completes.
    tab_b = receiver_context.new_page()
    tab_b.goto(f"{console_url}/referrals/{referral_id}")
    tab_a.get_by_label("Add a note").fill("Called; intake on Monday.")
    tab_a.get_by_role("button", name="Add note").click()
    expect(tab_a.get_by_text("Called; intake on Monday.")).to_be_visible()
    tab_a.locator("summary", has_text="Complete").click()
    tab_a.locator("#f-completed-outcome").select_option("got_help")
    tab_a.locator("details.action[open] button[type=submit]").click()
    expect(tab_a.get_by_test_id("referral-status")).to_have_text("Completed")
    _look(tab_a, "referral receiver (en)")
    expect(status).to_have_text("Completed", timeout=15_000)

    # --- Tab B still shows "Accepted": its action meets a plain-words conflict. ------------
    tab_b.locator("summary", has_text="Put on hold").click()
    tab_b.locator("#f-on-hold-reason").fill("Waiting for documents")
    tab_b.locator("details.action[open] button[type=submit]").click()
    expect(tab_b.get_by_role("alert")).to_contain_text(
        "Someone else changed this referral while you had it open."
    )
    expect(tab_b.get_by_test_id("referral-status")).to_have_text("Completed")
    _look(tab_b, "referral conflict (en)")

    # --- A forged form is refused; a foreign referral is a 404 page. -----------------------
    tab_b.goto(f"{console_url}/referrals/{referral_id}")
    tab_b.locator("form[action$='/notes'] input[name=csrf]").evaluate("e => e.value = 'forged'")
    tab_b.get_by_label("Add a note").fill("Should not be saved")
    tab_b.get_by_role("button", name="Add note").click()
    expect(tab_b.get_by_role("heading", level=1)).to_have_text("Please try again")
    tab_b.goto(f"{console_url}/referrals/{referral_id}")
    expect(tab_b.get_by_text("Should not be saved")).to_have_count(0)
    receiver_context.close()

    cook = browser.new_context(**browser_context_args)
    stranger = cook.new_page()
    sign_in(stranger, console_url, "coach.cook")
    answer = stranger.goto(f"{console_url}/referrals/{referral_id}")
    assert answer is not None
    assert answer.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Not found")
    cook.close()

    # --- The coach's outbox, and every page in Spanish. ------------------------------------
    page.goto(f"{console_url}/referrals?box=sent")
    expect(page.locator(f'[data-referral-id="{referral_id}"]')).to_contain_text("Completed")
    _look(page, "outbox (en)")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Remisiones enviadas")
    _look(page, "outbox (es)")
    page.goto(f"{console_url}/referrals/{referral_id}")
    expect(page.get_by_test_id("referral-status")).to_have_text("Completada")
    _look(page, "referral sender (es)")
    page.goto(f"{console_url}/referrals/new?service={service_id}&q=lena")
    expect(page.get_by_role("heading", level=1)).to_have_text("Remitir a una persona")
    expect(page.get_by_role("link", name="Elegir a Lena Park")).to_be_visible()
    _look(page, "refer (es)")
