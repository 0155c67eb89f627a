"""A board auditor's journey in Chromium at phone width, English and Spanish, with axe-core."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.axe import check_axe
from tests.web.conftest import ARTIFACTS, no_sideways_scroll, screenshot, sign_in

pytestmark = pytest.mark.browser

PAGES = (
    ("/board", "Board overview", "Resumen de la junta", "board"),
    ("/board/flows", "Referral flows", "Flujos de referidos", "board-flows"),
    ("/board/demand", "Unmet demand", "Demanda no atendida", "board-demand"),
    ("/board/listings", "Listing health", "Estado de los listados", "board-listings"),
    ("/board/changes", "Change log", "Registro de cambios", "board-changes"),
)


def test_an_auditor_reads_last_year_downloads_a_csv_and_finds_deserts(
    page: Page, console_url: str
) -> None:
    sign_in(page, console_url, "board.auditor")
    expect(page).to_have_url(console_url + "/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board overview")
    expect(page.get_by_role("table", name="Funnel")).to_be_visible()
    expect(
        page.get_by_role("img", name="Funnel: sent, viewed, accepted, completed")
    ).to_be_visible()

    with page.expect_download() as fired:
        page.get_by_role("link", name="Download the figures (CSV)").click()
    download = fired.value
    assert download.suggested_filename.startswith("network-")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "sent"
    assert rows[-1][0].isdigit()

    page.get_by_role("navigation", name="Board pages").get_by_role(
        "link", name="Unmet demand"
    ).click()
    deserts = page.locator("ol.deserts li")
    expect(deserts).to_have_count(3)
    expect(deserts.first).to_contain_text("searches found nothing")
    # The map places the three deserts (numbered markers) on their ZIP codes.
    expect(page.get_by_role("region", name="Map of the top service deserts")).to_be_visible()
    expect(page.locator("#demand-map .map-marker")).to_have_count(3)


def test_every_board_page_in_english_and_spanish(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "board.auditor")
    for path, english, _spanish, name in PAGES:
        page.goto(console_url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(english)
        check_axe(page, f"{name} (en)")
        no_sideways_scroll(page)
        screenshot(page, f"{name}-en")
    page.get_by_role("link", name="Español").click()
    for path, _english, spanish, name in PAGES:
        page.goto(console_url + path)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text(spanish)
        check_axe(page, f"{name} (es)")
        no_sideways_scroll(page)
        screenshot(page, f"{name}-es")


def test_the_filters_take_plain_dates_and_explain_bad_ones(page: Page, console_url: str) -> None:
    sign_in(page, console_url, "admin", next_path="/board")
    page.goto(console_url + "/board/flows")
    page.get_by_label("First day").fill("2026-03-01")
    page.get_by_label("Last day").fill("2026-02-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The last day must be on or after the first day.")).to_be_visible()
    check_axe(page, "board-flows with error (en)")
    page.get_by_label("Network").select_option(label="King County Workforce Network")
    page.get_by_label("First day").fill("2026-01-01")
    page.get_by_label("Last day").fill("2026-06-30")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"network=[0-9a-f-]{36}.*"))
    assert "from=2026-01-01" in page.url
    expect(page.get_by_role("table", name="Referrals sent by month")).to_contain_text("2026-0")


def test_a_need_category_opens_its_needs_and_the_breadcrumb_leads_back(
    page: Page, console_url: str
) -> None:
    sign_in(page, console_url, "board.auditor", next_path="/board")
    page.goto(console_url + "/board/flows")
    categories = page.get_by_role("table", name="Referrals sent by need category")
    expect(categories).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("Referrals sent by need category"))
    ).to_be_visible()
    by_need = page.locator("section[aria-labelledby=by-need]")
    by_need.screenshot(path=str(ARTIFACTS / "board-flows-categories-section-en.png"))
    categories.get_by_role("link", name="Housing").click()
    expect(page).to_have_url(re.compile(r"need=housing"))
    expect(page.get_by_role("heading", name="By need: Housing")).to_be_visible()
    needs = page.get_by_role("table", name="Referrals sent by need: Housing")
    # The demo sends housing referrals for shelter and rent assistance: the children show.
    expect(needs).to_contain_text("Emergency shelter")
    expect(needs.get_by_role("row", name=re.compile("Referrals for Housing"))).to_be_visible()
    check_axe(page, "board-flows need drill-down (en)")
    no_sideways_scroll(page)
    screenshot(page, "board-flows-need-en")
    section = page.locator("section[aria-labelledby=by-need]")
    section.screenshot(path=str(ARTIFACTS / "board-flows-need-section-en.png"))
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Por necesidad: Housing")).to_be_visible()
    check_axe(page, "board-flows need drill-down (es)")
    no_sideways_scroll(page)
    screenshot(page, "board-flows-need-es")
    section = page.locator("section[aria-labelledby=by-need]")
    section.screenshot(path=str(ARTIFACTS / "board-flows-need-section-es.png"))
    breadcrumb = page.get_by_role("navigation", name="Ruta de navegación")
    breadcrumb.get_by_role("link", name="Todas las categorías de necesidad").click()
    expect(page.get_by_role("heading", name="Por categoría de necesidad")).to_be_visible()
    section = page.locator("section[aria-labelledby=by-need]")
    section.screenshot(path=str(ARTIFACTS / "board-flows-categories-section-es.png"))
    assert "need=" not in page.url
