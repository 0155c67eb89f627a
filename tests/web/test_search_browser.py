"""The coach's journey in Chromium at phone width: search in Spanish, share a list, open a service.

Mail goes to a real SMTP server (aiosmtpd) and SMS to the Twilio wire stand-in; every page is
checked with axe-core in English and Spanish and must not scroll sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from hub.app import create_app
from hub.core.settings import Settings
from tests.loopback import serving_app
from tests.notifications.servers import SmtpSink
from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot, sign_in
from tests.web.test_shared_list_pages import _Twilio, smtp, twilio

pytestmark = pytest.mark.browser
__all__ = ["smtp", "twilio"]


@pytest.fixture
def mail_console(demo_settings: Settings, smtp: SmtpSink, twilio: str) -> Iterator[str]:
    """The console served with mail to the SMTP sink and SMS to the Twilio stand-in."""
    settings = demo_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_sender": "hub@hub.example.org",
            "sms_provider": f"twilio://AC1:tok@{twilio}?from=%2B15550001111&scheme=http",
        }
    )
    with serving_app(create_app(settings, notifications=True, fill_search_index=False)) as url:
        yield url


def _markers_match_the_list(page: Page) -> None:
    placed = page.locator(".result[data-lat]")
    expect(page.locator("#map")).to_be_visible()
    markers = page.locator(".map-marker")
    expect(markers).to_have_count(placed.count())
    numbers = sorted(int(n) for n in markers.all_inner_texts())
    assert numbers == sorted(
        int(x or 0) for x in placed.evaluate_all("l => l.map(e => e.dataset.number)")
    )


def test_coach_finds_childcare_in_spanish_shares_a_list_and_opens_a_service(
    page: Page, mail_console: str, smtp: SmtpSink
) -> None:
    base = mail_console
    sign_in(page, base, "coach.alameda")
    expect(page).to_have_url(base + "/search")
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buscar servicios")
    check_axe(page, "search form (es)")

    page.get_by_label("Necesidad", exact=True).fill("guardería")
    page.get_by_label("Cerca de").fill("94601")
    page.get_by_label("Ofrecido en").select_option("es")
    page.get_by_label("Abierto por la noche").check()
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_role("heading", name="Servicios encontrados", exact=False)).to_be_visible()
    assert "needs=childcare" in page.url
    assert "lang=es" in page.url
    assert "open_evenings=1" in page.url
    results = page.locator(".result")
    assert results.count() >= 2
    _markers_match_the_list(page)
    check_axe(page, "search results (es)")
    no_sideways_scroll(page)
    screenshot(page, "search-es")

    # Two services onto the list, then share it.
    first_name = results.nth(0).locator("h3 a").inner_text()
    results.nth(0).get_by_role("link", name="Agregar a la lista").click()
    page.locator(".result").nth(1).get_by_role("link", name="Agregar a la lista").click()
    expect(page.get_by_text("Servicios en la lista: 2")).to_be_visible()
    page.get_by_role("link", name="Compartir la lista").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compartir una lista")
    check_axe(page, "share a list (es)")
    no_sideways_scroll(page)

    page.get_by_role("link", name="Vista para imprimir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicios para usted")
    expect(page.get_by_role("button", name="Imprimir")).to_be_visible()
    check_axe(page, "print view (es)")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_text(first_name).first).to_be_visible()
    screenshot(page, "list-print-es")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Volver a la lista").click()

    page.get_by_label("Correo electrónico o número de celular").fill("cliente@example.net")
    page.get_by_label("Idioma del cliente").select_option("es")
    page.get_by_role("button", name="Enviar la lista").click()
    expect(page.get_by_role("status")).to_have_text("La lista se envió por correo electrónico.")
    [message] = smtp.to("cliente@example.net")
    assert message["Subject"].startswith("Servicios para usted")
    assert first_name in message.get_content()
    screenshot(page, "share-list-es")

    page.get_by_label("Mensaje de texto (SMS)").check()
    page.get_by_label("Correo electrónico o número de celular").fill("510 555 0147")
    page.get_by_role("button", name="Enviar la lista").click()
    expect(page.get_by_role("status")).to_have_text("La lista se envió por mensaje de texto.")
    assert _Twilio.received[-1]["To"] == "+15105550147"
    assert _Twilio.received[-1]["Body"].startswith("Servicios de ")

    # Back to the results, then a service's detail page.
    page.get_by_role("link", name="Volver a los resultados").click()
    page.locator(".result h3 a").first.click()
    expect(page.get_by_role("heading", level=2, name="Cómo solicitar")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Dónde y cuándo")).to_be_visible()
    check_axe(page, "service detail (es)")
    no_sideways_scroll(page)
    screenshot(page, "service-es")


def test_search_detail_and_list_pages_in_english(page: Page, mail_console: str) -> None:
    base = mail_console
    sign_in(page, base, "coach.alameda")
    page.get_by_label("Need", exact=True).fill("child care")
    page.get_by_label("Near").fill("94601")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Services found", exact=False)).to_be_visible()
    _markers_match_the_list(page)
    check_axe(page, "search results (en)")
    no_sideways_scroll(page)
    screenshot(page, "search-en")

    # Bad input: a readable message on the page, never an error page.
    page.goto(base + "/search?needs=food&near=00000&radius_km=zzz")
    expect(page.get_by_text("Choose a distance between 1 and 500 km.")).to_be_visible()
    page.goto(base + "/search?need=terapia")
    expect(page.get_by_text("Several needs match these words. Choose one below.")).to_be_visible()
    check_axe(page, "search with errors (en)")

    # "Use my location": the browser's position becomes the place (Oakland, near 94601).
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 37.7749, "longitude": -122.2194})
    page.goto(base + "/search?needs=childcare")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r"near=37\.77490%2C-122\.21940"))
    expect(page.locator(".result").first).to_be_visible()
    expect(page.locator(".result dt", has_text="Distance").first).to_be_visible()

    page.goto(base + "/search?needs=childcare&near=94601")
    page.locator(".result").first.get_by_role("link", name="Add to list").click()
    page.get_by_role("link", name="Share the list").click()
    check_axe(page, "share a list (en)")
    no_sideways_scroll(page)
    screenshot(page, "share-list-en")
    page.get_by_role("button", name="Send the list").click()  # nothing typed
    expect(page.get_by_text("Enter where to send the list.")).to_be_visible()
    check_axe(page, "share a list with errors (en)")

    page.get_by_role("link", name="Back to the results").click()
    page.locator(".result h3 a").first.click()
    expect(page.get_by_role("heading", level=2, name="How to apply")).to_be_visible()
    check_axe(page, "service detail (en)")
    no_sideways_scroll(page)
    screenshot(page, "service-en")
