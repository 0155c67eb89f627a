"""Sign-in and sign-out in Chromium at phone width, with axe-core, in English and Spanish."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot
from tests.web.demo_world import PASSWORD, demo_email

pytestmark = pytest.mark.browser


def test_sign_in_with_the_keyboard_and_sign_out(page: Page, console_url: str) -> None:
    page.goto(console_url + "/")
    expect(page).to_have_url(console_url + "/login")
    expect(page).to_have_title("Sign in · Referral network")
    check_axe(page, "login (en)")
    no_sideways_scroll(page)
    screenshot(page, "login-en")

    # The first Tab reaches the visible skip link; the form is usable by keyboard alone.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Email").focus()
    page.keyboard.type(demo_email("coach.alameda"))
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    check_axe(page, "login with error (en)")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Jordan Kim")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")


def test_sign_in_page_in_spanish(page: Page, console_url: str) -> None:
    page.goto(console_url + "/login")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    check_axe(page, "login (es)")
    no_sideways_scroll(page)
    screenshot(page, "login-es")
    page.get_by_label("Correo electrónico").fill(demo_email("foodbank.admin"))
    page.get_by_label("Contraseña").fill("no es")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("alert")).to_have_text(
        "El correo electrónico o la contraseña no son correctos."
    )
    missing = page.goto(console_url + "/no-such-page")
    assert missing is not None
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No encontrado")
    check_axe(page, "404 (es)")
