"""A hub admin builds a network and its auditor in Chromium, English and Spanish, with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot, sign_in
from tests.web.demo_world import PASSWORD

pytestmark = pytest.mark.browser


def _look(page: Page, name: str) -> None:
    check_axe(page, name)
    no_sideways_scroll(page)
    screenshot(page, name.replace(" (", "-").rstrip(")"))


def test_a_hub_admin_creates_a_network_and_its_auditor(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin")
    expect(page).to_have_url(console_url + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    _look(page, "admin (en)")

    page.get_by_text("Create a network").click()
    page.get_by_label("Name", exact=True).fill("Bay Area Board")
    page.get_by_role("button", name="Create the network").click()
    expect(page.get_by_role("status")).to_have_text("The network was created.")
    page.get_by_label("Add an organization").select_option(index=1)
    page.get_by_role("button", name="Add to the network").click()
    expect(page.get_by_role("status")).to_have_text("The organization was added.")
    expect(page.get_by_role("table", name="Organizations in this network")).to_contain_text(
        "Take out"
    )
    _look(page, "admin-network (en)")

    page.get_by_role("link", name="New auditor of this network").click()
    expect(page.get_by_label("Network audited (auditors)")).to_have_value(
        page.url.split("network=")[1]
    )
    page.get_by_label("Email").fill("bay.auditor@example.org")
    page.get_by_label("Name", exact=True).fill("Bay Auditor")
    page.get_by_label("First password").fill(PASSWORD)
    _look(page, "admin-user-new (en)")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_role("status")).to_have_text("The user was created.")
    expect(page.get_by_role("definition").filter(has_text="Bay Area Board")).to_be_visible()
    _look(page, "admin-user (en)")

    page.get_by_label("Token name").fill("monthly reports")
    page.get_by_role("button", name="Issue a token").click()
    expect(page.locator("code.token")).to_contain_text("hub_")


def test_the_admin_pages_in_spanish(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administración")
    _look(page, "admin (es)")
    page.get_by_role("link", name="Alameda County Workforce Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alameda County Workforce Network")
    _look(page, "admin-network (es)")
    page.get_by_role("link", name="Nuevo auditor de esta red").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuevo usuario")
    page.get_by_role("button", name="Crear el usuario").click()
    expect(page.get_by_text("Escriba un correo electrónico válido.")).to_be_visible()
    _look(page, "admin-user-new (es)")
    page.goto(console_url + "/admin?q=coach.alameda")
    page.get_by_role("link", name="Jordan Kim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Kim")
    _look(page, "admin-user (es)")
