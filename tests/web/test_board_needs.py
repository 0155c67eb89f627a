"""The flows page by need category, its drill-down into one category, and their CSV files."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from providers.needs_taxonomy import shipped_needs
from referrals.analytics.need_categories import categories, category_of
from tests.web.board_client import network_id, sign_in

CATEGORY_LINK = re.compile(
    r'<th scope="row"><a href="/board/flows\?([^"]+)#by-need">([^<]+)</a></th>'
    r'<td class="num">(?:<span class="[a-z]+">)?([^<]+)'
)
ROW = re.compile(r'<th scope="row">([^<]+)</th><td class="num">(?:<span class="[a-z]+">)?([^<]+)')
NAMES = {n.code: n.name for n in shipped_needs().needs}


@pytest.fixture
async def client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http
    await app.state.container.close()


def _section(text: str) -> str:
    """The by-need section of the flows page."""
    start = text.index('<section aria-labelledby="by-need"')
    return text[start : text.index("</section>", start)]


async def test_categories_link_to_their_needs_with_the_same_total(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "board.auditor")
    page = await client.get("/board/flows?from=2025-12-01&to=2026-11-30")
    assert page.status_code == 200
    section = html.unescape(_section(page.text))
    assert "By need category" in section
    links = CATEGORY_LINK.findall(section)
    labels = [label for _, label, _ in links]
    # Only top-level needs, each once, each linking to its own drill-down with the filters.
    assert set(labels) <= set(categories().values())
    assert len(labels) == len(set(labels)) >= 4
    sent = {label: value for _, label, value in links}
    housing = next(query for query, label, _ in links if label == "Housing")
    assert "from=2025-12-01" in housing
    assert "need=housing" in housing
    assert "need-chart" in section  # the SVG chart beside the table

    drill = await client.get(f"/board/flows?{housing}")
    assert drill.status_code == 200
    inner = html.unescape(_section(drill.text))
    assert 'aria-label="Breadcrumb"' in inner
    assert 'href="/board/flows?from=2025-12-01&to=2026-11-30#by-need">All need categories' in inner
    assert "By need: Housing" in inner
    rows = dict(ROW.findall(inner))
    total = rows.pop("Referrals for Housing")
    assert rows
    assert set(rows) <= {NAMES[c] for c in NAMES if category_of(c) == "housing"}
    # The category's row on the first page is the drill-down's total.
    assert total == sent["Housing"]
    # Changing the dates keeps the drill-down.
    assert '<input type="hidden" name="need" value="housing">' in drill.text


async def test_the_csv_gives_categories_and_one_categorys_needs(client: httpx.AsyncClient) -> None:
    await sign_in(client, "board.auditor")
    page = await client.get("/board/flows")
    assert "&amp;group_by=need_category" in page.text
    tops = await client.get("/board/network.csv?group_by=need_category")
    assert tops.status_code == 200
    rows = list(csv.reader(io.StringIO(tops.text)))
    assert rows[0][:2] == ["need_category", "sent"]
    assert {r[0] for r in rows[1:-1]} <= set(categories().values())
    assert rows[-1][0] == "TOTAL"
    housing = next(r for r in rows if r[0] == "Housing")

    drill_page = await client.get("/board/flows?need=housing")
    assert "&amp;group_by=need&amp;need=housing" in drill_page.text
    needs = await client.get("/board/network.csv?group_by=need&need=housing")
    assert needs.status_code == 200
    lines = list(csv.reader(io.StringIO(needs.text)))
    assert lines[0][0] == "need"
    assert {r[0] for r in lines[1:-1]} <= {NAMES[c] for c in NAMES if category_of(c) == "housing"}
    # The drill-down's total is the category's line, measure for measure (same suppression).
    assert lines[-1][1:] == housing[1:]


@pytest.mark.parametrize("need", ["nope", "housing.shelter", "%27%3B--", "x" * 500, "%00"])
async def test_an_unknown_category_is_a_message_not_a_failure(
    client: httpx.AsyncClient, need: str
) -> None:
    await sign_in(client, "admin")
    page = await client.get(f"/board/flows?need={need}")
    assert page.status_code == 400
    assert "That need category is not known; showing every category." in page.text
    assert "By need category" in page.text
    download = await client.get(f"/board/network.csv?group_by=need&need={need}")
    assert download.status_code == 400
    assert "This download cannot be made" in download.text


async def test_an_auditor_cannot_drill_into_another_network(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "board.auditor")
    other = network_id(demo_settings, "King")
    page = await client.get(f"/board/flows?need=housing&network={other}")
    assert page.status_code == 403
    download = await client.get(f"/board/network.csv?group_by=need&need=housing&network={other}")
    assert download.status_code == 403
