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


def test_an_invited_organization_admin_joins_in_the_browser(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin")
    page.get_by_role("link", name="Invite an organization admin").click()
    _look(page, "admin-invite (en)")
    page.get_by_label("Email", exact=True).fill("pat@partner.example.org")
    page.get_by_label("Name", exact=True).fill("Pat Partner")
    page.get_by_label("Organization", exact=True).select_option(index=3)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation made")
    link = page.locator("code.token").inner_text()
    page.get_by_role("button", name="Sign out").click()

    page.goto(link.replace("http://127.0.0.1:8000", console_url))
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unirse a la red de referidos")
    _look(page, "invitation-accept (es)")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_label("La misma contraseña otra vez").fill(PASSWORD)
    page.get_by_role("button", name="Unirse").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(page.get_by_text("Pat Partner")).to_be_visible()


def test_the_invitation_pages_in_spanish_and_english(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin")
    page.get_by_role("link", name="Español").click()
    page.goto(console_url + "/admin/invitations/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Invitar a un administrador de organización"
    )
    _look(page, "admin-invite (es)")
    page.get_by_label("Correo electrónico", exact=True).fill("ana@partner.example.org")
    page.get_by_label("Nombre", exact=True).fill("Ana")
    page.get_by_label("Organización", exact=True).select_option(index=2)
    page.get_by_role("button", name="Enviar la invitación").click()
    link = page.locator("code.token").inner_text()
    page.get_by_role("button", name="Cerrar sesión").click()
    page.get_by_role("link", name="English").click()
    page.goto(link.replace("http://127.0.0.1:8000", console_url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the referral network")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Use a password of at least 10 characters.")).to_be_visible()
    _look(page, "invitation-accept (en)")


def test_the_organizations_page_in_english_and_spanish(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin")
    page.get_by_role("link", name="Create or merge organizations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_text("Tick the box to confirm the merge.")).to_be_visible()
    _look(page, "admin-organizations (en)")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizaciones")
    _look(page, "admin-organizations (es)")
