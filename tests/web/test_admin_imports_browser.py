"""A hub admin imports an HSDS file in Chromium: dry run, apply, result, then finds it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.axe import check_axe
from tests.web.conftest import no_sideways_scroll, screenshot, sign_in

pytestmark = pytest.mark.browser

ORG = "cd09a387-91f4-4555-94ec-e799c35344cd"
LOCATION = "5b1de9a4-4c3e-4d87-8c55-0d7c2f0a9e01"


def harbor_file(folder: Path) -> Path:
    """Two services at one Oakland place; the second has no name (a problem on row 2)."""
    org = {"id": ORG, "name": "Harbor Aid", "description": "Help by the harbor"}
    place = {"id": LOCATION, "name": "Harbor office", "location_type": "physical",
             "latitude": 37.7955, "longitude": -122.2750}  # fmt: skip
    rows = [
        {"id": f"7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c000{i}", "name": name, "status": "active",
         "description": "Free legal advice for tenants by the harbor", "organization": org,
         "service_at_locations": [{"id": f"9c2f6a10-1d3e-4f5a-8b7c-6d5e4f3a2b1{i}",
                                   "location": place}]}
        for i, name in enumerate(("Harbor tenant law clinic", ""))
    ]  # fmt: skip
    path = folder / "harbor-services.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_a_hub_admin_checks_applies_and_finds_an_import(
    page: Page, console_url: str, tmp_path: Path
) -> None:
    sign_in(page, console_url, "admin")
    page.goto(f"{console_url}/admin/imports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    check_axe(page, "admin imports form (en)")
    no_sideways_scroll(page)
    screenshot(page, "admin-imports-en")

    # Sent without a file: the message sits beside the file input.
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#f-file-error")).to_have_text("Choose a file to upload.")

    page.get_by_label("File", exact=True).set_input_files(harbor_file(tmp_path))
    page.get_by_label("Source name").fill("harbor")
    page.get_by_label("Skip invalid records").check()
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dry run report")
    problem = page.get_by_role("row").filter(has_text="Problem")
    expect(problem).to_have_count(1)
    expect(problem.get_by_role("cell").nth(2)).to_have_text("2")
    expect(problem.get_by_role("cell").nth(3)).to_have_text("name")
    check_axe(page, "admin imports dry run (en)")
    no_sideways_scroll(page)
    screenshot(page, "admin-imports-report-en")

    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import result", timeout=20_000)
    expect(page.get_by_role("status").first).to_contain_text("Imported.")
    created = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="service"))
    expect(created.get_by_role("cell").first).to_have_text("1")
    check_axe(page, "admin imports result (en)")
    no_sideways_scroll(page)
    screenshot(page, "admin-imports-result-en")

    # The imported service reaches the search index through the import's events.
    search = f"{console_url}/search?q=tenant+law&near=37.8044,-122.2712&radius_km=5"
    for _ in range(40):
        page.goto(search)
        if page.get_by_text("Harbor tenant law clinic").count():
            break
        page.wait_for_timeout(250)
    expect(page.get_by_text("Harbor tenant law clinic").first).to_be_visible()

    # The same pages in Spanish.
    page.goto(f"{console_url}/language/es?next=/admin/imports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importaciones")
    check_axe(page, "admin imports form (es)")
    no_sideways_scroll(page)
    screenshot(page, "admin-imports-es")
    page.get_by_label("Archivo", exact=True).set_input_files(harbor_file(tmp_path))
    page.get_by_role("button", name="Subir y revisar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informe de la prueba")
    expect(page.get_by_role("alert")).to_contain_text("no se puede importar")
    check_axe(page, "admin imports dry run (es)")
    no_sideways_scroll(page)
    screenshot(page, "admin-imports-report-es")
    page.get_by_role("button", name="Cancelar").click()
    expect(page.get_by_role("status")).to_contain_text("Se canceló la subida")
    assert re.search(r"/admin/imports\?done=cancelled$", page.url)
