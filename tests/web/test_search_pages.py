"""The coach's search page over HTTP: needs by typed words, filters, results, paging, bad input."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from hub.identity.principal import Principal
from search.query import Near, SearchQuery
from search.service import search_services
from tests.web.demo_world import PASSWORD, demo_email

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
IDS = re.compile(r'data-service-id="([^"]+)"')


@pytest.fixture
async def app_client(demo_settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    """The console in process, and its app (for the container)."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http, app
    await app.state.container.close()


async def sign_in(client: httpx.AsyncClient, local: str) -> None:
    """Sign in through the form (as a browser would)."""
    found = CSRF.search((await client.get("/login")).text)
    assert found
    form = {"csrf": found.group(1), "email": demo_email(local), "password": PASSWORD}
    assert (await client.post("/login", data=form)).status_code == 303


async def test_typed_words_find_the_need_and_results_match_the_domain_search(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, app = app_client
    await sign_in(client, "coach.alameda")
    typed = await client.get("/search?need=guardería&near=94601&open_evenings=1&lang=es")
    assert typed.status_code == 303  # typed words found their need: on to the plain address
    assert typed.headers["location"] == (
        "/search?needs=childcare&near=94601&lang=es&open_evenings=1"
    )
    english = await client.get(
        "/search?need=child+care&near=94601&open_evenings=1&lang=es", follow_redirects=True
    )
    spanish = await client.get(typed.headers["location"])
    assert english.status_code == spanish.status_code == 200
    shown = IDS.findall(english.text)
    assert shown
    assert shown == IDS.findall(spanish.text)
    assert 'name="needs" value="childcare" checked' in english.text

    container = app.state.container  # type: ignore[attr-defined]
    query = SearchQuery(
        needs=("childcare",),
        near=Near(postal_code="94601"),
        languages=("es",),
        open_evenings=True,
        first=10,
        facets=False,
    )
    async with container.session_factory() as session:
        _, page = await search_services(
            session=session,
            backend=container.search_backend,
            geocoder=container.geocoder,
            clock=container.clock,
            actor=Principal(user_id="x", name="x", org_roles={}),
            query=query,
        )
    assert shown == [hit.service_id for hit in page.hits]
    assert f"Services found: {page.total}" in english.text
    # Each result: a number, distance, freshness, a detail link and a Refer link where it fits.
    assert english.text.count('class="card result"') == len(shown)
    assert "km</dd>" in english.text
    assert "Checked</dt>" in english.text
    assert f'href="/services/{shown[0]}"' in english.text


async def test_ambiguous_and_unknown_words_and_bad_values_get_messages(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = app_client
    await sign_in(client, "coach.alameda")
    several = await client.get("/search?need=terapia&near=94601")
    assert several.status_code == 400
    assert "Several needs match these words" in several.text
    assert "needs=mental_health.counseling" in several.text  # a suggestion to pick
    cases = {
        "/search?needs=no.such.need&near=94601": "We do not know this need",
        "/search?need=zzzzqqq": "No need matches these words",
        "/search?needs=food&near=00000": "We could not find this place",
        "/search?needs=food&near=94601&radius_km=-3": "Choose a distance between 1 and 500 km",
        "/search?needs=food&near=94601&radius_km=nan": "Choose a distance between 1 and 500 km",
        "/search?needs=food&age=old": "Enter an age from 0 to 130",
        "/search?needs=food&mode=teleport": "Choose one of the listed options",
        "/search?needs=food&near=94601&after=garbage&page=2": "This page of results has expired",
    }
    for url, message in cases.items():
        answer = await client.get(url)
        assert answer.status_code == 400, url
        assert message in answer.text, url
        assert 'class="card result"' not in answer.text
    huge = await client.get("/search?needs=food&near=94601&page=999999999999")
    assert huge.status_code == 200
    assert "That page number does not exist" in huge.text
    assert 'class="card result"' in huge.text  # the first page instead


async def test_paging_and_the_list_travel_in_the_address(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = app_client
    await sign_in(client, "coach.alameda")
    first = await client.get("/search?needs=food&near=94601&radius_km=50")
    ids = IDS.findall(first.text)
    assert len(ids) == 10
    found = re.search(r'href="(/search\?[^"]*after=[^"]*)" rel="next"', first.text)
    assert found
    second = await client.get(found.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    more = IDS.findall(second.text)
    assert more
    assert more != ids
    assert '<ol class="cards result-list" start="11">' in second.text
    listed = await client.get(f"/search?needs=food&near=94601&list={ids[0]},{ids[1]},bad id!")
    assert "Services on the list: 2" in listed.text
    assert f"/list?ids={ids[0]},{ids[1]}" in listed.text


async def test_search_is_for_staff_and_signed_in_people(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = app_client
    signed_out = await client.get("/search?needs=food")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
    await sign_in(client, "board.auditor")
    assert (await client.get("/search?needs=food")).status_code == 403


ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+\.(?:js|css))"')
WEIGHT_LIMIT = 150 * 1024


async def test_pages_ship_at_most_150_kb_of_js_and_css_as_transferred(
    app_client: tuple[httpx.AsyncClient, object], capsys: pytest.CaptureFixture[str]
) -> None:
    client, _ = app_client
    await sign_in(client, "coach.alameda")
    results = await client.get("/search?needs=childcare&near=94601")
    service_id = IDS.findall(results.text)[0]
    pages = {
        "search results": results,
        "service detail": await client.get(f"/services/{service_id}"),
        "share a list": await client.get(f"/list?ids={service_id}"),
        "print view": await client.get(f"/list/print?ids={service_id}"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        sent = 0
        for asset in dict.fromkeys(ASSET.findall(page.text)):
            answer = await client.get(asset, headers={"accept-encoding": "gzip"})
            assert answer.status_code == 200, asset
            sent += answer.num_bytes_downloaded
        with capsys.disabled():
            print(f"\n{name}: {sent / 1024:.1f} KB of JS + CSS transferred (gzip)")
        assert 0 < sent <= WEIGHT_LIMIT, name
    assert "/static/vendor/leaflet/leaflet.js" in results.text  # the map's page is the heaviest


async def test_training_program_filters_narrow_the_results(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = app_client
    await sign_in(client, "coach.alameda")
    every = await client.get("/search?needs=training&near=94601&radius_km=50")
    evenings = await client.get(
        "/search?needs=training&near=94601&radius_km=50&schedule=evening&max_total=5000"
    )
    assert every.status_code == evenings.status_code == 200
    total = re.compile(r"Services found: (\d+)")
    all_found, evening_found = (int(total.findall(p.text)[0]) for p in (every, evenings))
    assert 0 < evening_found < all_found
    assert '<option value="evening" selected>' in evenings.text
    bad = await client.get("/search?needs=training&schedule=midnight&aid=gold&max_total=-1")
    assert bad.status_code == 400
    assert bad.text.count("Choose one of the listed options.") == 2
    assert "Enter an amount of 0 or more." in bad.text
