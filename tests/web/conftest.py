"""Console fixtures: the demo network served by uvicorn, and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hub.app import create_app
from hub.core.settings import Settings
from tests.loopback import serving_app
from tests.web.axe import LEDGER
from tests.web.demo_world import (
    PASSWORD,
    DemoTemplate,
    build_template,
    copy_template,
    demo_email,
    drop_copy,
    settings_for,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplate]:
    """The demo network, loaded once per test session (on PostgreSQL when tests run there)."""
    pg_url = os.environ.get("HUB_TEST_DATABASE_URL", "").strip()
    folder = tmp_path_factory.mktemp("demo")
    # In a thread of its own: Playwright's sync API may already run an event loop here.
    with ThreadPoolExecutor(1) as pool:
        template = pool.submit(build_template, pg_url, folder).result()
    yield template
    drop_copy(template.database_url)


@pytest.fixture
def demo_settings(demo_template: DemoTemplate, tmp_path: Path) -> Iterator[Settings]:
    """Settings over a fresh copy of the demo network, for one test."""
    url = copy_template(demo_template, tmp_path / "data")
    yield settings_for(url, tmp_path / "data")
    drop_copy(url)


@pytest.fixture
def console_url(demo_settings: Settings) -> Iterator[str]:
    """The console over a fresh demo network (in-process notifications on), for one test."""
    app = create_app(demo_settings, notifications=True, fill_search_index=False)
    with serving_app(app) as url:
        yield url


# --- Playwright (pytest-playwright's fixtures, pointed at Debian's Chromium) ---------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (Playwright's own browser download is never used)."""
    if not CHROMIUM.exists():
        pytest.fail("Install Debian chromium: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A phone-sized window; CSP bypassed only so that axe-core can be injected."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "bypass_csp": True,
        "locale": "en-US",
    }


def sign_in(page: Page, base: str, local: str, *, next_path: str = "") -> None:
    """Sign in through the form as a demo user (`coach.alameda`, `foodbank.admin` ...)."""
    page.goto(f"{base}/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(demo_email(local))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot under tests/artifacts/console/ (for docs/console.md)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    """The page fits a 390 px phone: nothing wider than the viewport."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the axe-core counts of every page checked in this run."""
    if LEDGER.pages:
        terminalreporter.section("axe-core")
        for line in LEDGER.summary():
            terminalreporter.write_line(line)
