"""The board pages over HTTP: figures, suppression wording, scoping, CSV downloads, bad input."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from tests.web.board_client import network_id, organization_names, sign_in

FLOW_ROW = re.compile(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">")
PAGES = ("/board", "/board/flows", "/board/demand", "/board/listings", "/board/changes")


@pytest.fixture
async def client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http
    await app.state.container.close()


async def test_the_overview_shows_last_years_figures_with_tables(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "board.auditor")
    page = await client.get("/board")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Board overview</h1>" in text
    assert "Alameda" in text  # the auditor's own network is named, not offered as a choice
    for caption in ("Funnel", "Decline and failure reasons", "What clients reported"):
        assert f"<caption>{caption}</caption>" in text
    assert text.count('<svg class="bars"') == 3
    # The demo's year of history publishes real counts beside hidden ones.
    assert "fewer than 11" in text
    assert '<td class="num">1' in text or '<td class="num">2' in text


async def test_suppressed_and_zero_never_read_the_same(client: httpx.AsyncClient) -> None:
    await sign_in(client, "board.auditor")
    page = await client.get("/board/listings")
    assert page.status_code == 200
    hidden = page.text.count('<span class="suppressed">fewer than 11</span>')
    zero = page.text.count('<span class="zero">none</span>')
    assert hidden > 0
    assert zero > 0
    assert "fewer than 11</span>" not in page.text.split('class="zero"')[1][:40]


async def test_an_auditor_of_one_network_sees_nothing_of_another(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "board.auditor")
    king = organization_names(demo_settings, "King")
    alameda = organization_names(demo_settings, "Alameda")
    assert king
    assert alameda
    for path in ("/board/listings", "/board/changes"):
        text = (await client.get(path)).text
        assert not [name for name in king if name in text], path
    # A flow counts when either side is in the network (see referrals/analytics/scope.py).
    flows = html.unescape((await client.get("/board/flows")).text)
    pairs = FLOW_ROW.findall(flows)
    assert pairs
    assert all(sender in alameda or receiver in alameda for sender, receiver in pairs)
    listings = (await client.get("/board/listings")).text
    assert [name for name in alameda if name in listings]
    other = network_id(demo_settings, "King")
    for path in PAGES:
        refused = await client.get(f"{path}?network={other}")
        assert refused.status_code == 403, path
        assert "Your role does not allow this." in refused.text
    csv_refused = await client.get(f"/board/flows.csv?network={other}")
    assert csv_refused.status_code == 403
    demand = (await client.get("/board/demand")).text
    assert "ZIP 98" not in demand
    assert "ZIP 60" not in demand


async def test_a_hub_admin_picks_any_network(
    client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    await sign_in(client, "admin")
    king = network_id(demo_settings, "King")
    page = await client.get(f"/board/listings?network={king}")
    assert page.status_code == 200
    assert [n for n in organization_names(demo_settings, "King") if n in page.text]
    assert not [n for n in organization_names(demo_settings, "Cook") if n in page.text]
    assert f'<option value="{king}" selected>' in page.text


async def test_the_csv_downloads_in_the_session_with_the_same_suppression(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "board.auditor")
    answer = await client.get("/board/network.csv?from=2025-06-01&to=2026-12-06&group_by=month")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        (answer.headers["content-disposition"])
        == 'attachment; filename="network-2025-06-01-2026-12-06.csv"'
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:2] == ["month", "sent"]
    assert rows[-1][0] == "TOTAL"
    values = {v for row in rows[1:] for v in row[1:12]}
    assert "suppressed" in values
    assert all(v == "suppressed" or v.isdigit() for v in values)
    flows = await client.get("/board/flows.csv")
    assert flows.status_code == 200
    assert flows.text.splitlines()[0] == "sender,receiver,referrals"


async def test_the_page_links_its_csv_with_the_same_filters(client: httpx.AsyncClient) -> None:
    await sign_in(client, "board.auditor")
    page = await client.get("/board/demand?from=2026-01-01&to=2026-06-30")
    assert page.status_code == 200
    assert 'href="/board/demand.csv?from=2026-01-01&amp;to=2026-06-30"' in page.text
    assert "Top service deserts" in page.text
    assert page.text.count("searches found nothing") == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "Give a date like 2026-01-31."),
        ("to=2026-13-45", "Give a date like 2026-01-31."),
        ("from=2026-05-01&to=2026-04-01", "The last day must be on or after the first day."),
        ("from=1900-01-01&to=2026-01-01", "Ask for at most ten years."),
        ("network=%27%3B--", "Choose a network from the list."),
    ],
)
async def test_nonsense_filters_get_a_message_not_a_failure(
    client: httpx.AsyncClient, query: str, message: str
) -> None:
    await sign_in(client, "admin")
    for path in PAGES:
        page = await client.get(f"{path}?{query}")
        if path == "/board/listings" and not query.startswith("network"):
            assert page.status_code == 200  # listing health is as of today: no dates
            continue
        assert page.status_code == 400, path
        assert message in page.text, path
        assert 'aria-invalid="true"' in page.text


async def test_bad_downloads_and_unknown_networks_are_plain_pages(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "admin")
    for path in (
        "/board/secrets.csv",
        "/board/network.csv?from=soon",
        "/board/network.csv?group_by=color",
    ):
        answer = await client.get(path)
        assert answer.status_code == 400, path
        assert "This download cannot be made" in answer.text
    missing = await client.get(f"/board?network={uuid.uuid4()}")
    assert missing.status_code == 404
    stale = await client.get("/board/changes?after=bm90LWEtY3Vyc29y")
    assert stale.status_code == 400
    assert "showing the first page" in stale.text


async def test_people_without_a_board_role_are_refused(client: httpx.AsyncClient) -> None:
    signed_out = await client.get("/board")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?next=%2Fboard"
    await sign_in(client, "coach.alameda")
    for path in (*PAGES, "/board/network.csv"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
