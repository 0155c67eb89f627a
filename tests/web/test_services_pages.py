"""The service detail page over HTTP: every section, confidential places hidden, bad ids."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from providers.models import Address, Location, ProgramFacts, Service, ServiceAtLocation
from tests.web.test_search_pages import app_client, sign_in

__all__ = ["app_client"]


async def _first(app: Any, statement: Any) -> Any:
    async with app.state.container.session_factory() as session:
        return (await session.exec(statement)).first()


async def test_a_training_program_shows_cost_schedule_aid_and_how_to_apply(
    app_client: tuple[httpx.AsyncClient, Any],
) -> None:
    client, app = app_client
    await sign_in(client, "coach.alameda")
    facts: ProgramFacts = await _first(
        app, select(ProgramFacts).where(col(ProgramFacts.tuition).is_not(None))
    )
    service: Service = await _first(app, select(Service).where(Service.id == facts.service_id))
    page = await client.get(f"/services/{service.id}?back=/search%3Fneeds%3Dtraining")
    assert page.status_code == 200
    text = page.text
    assert f"<h1>{service.name}</h1>" in text.replace("&#39;", "'")
    for heading in ("What it is", "Who can use it", "Fees and cost", "Training program"):
        assert f">{heading}</h2>" in text
    assert "How to apply" in text
    assert "Where and when" in text
    total = (facts.tuition or 0) + (facts.other_costs or 0)
    assert f"Total cost: USD {total:.2f}" in text
    assert 'href="/search?needs=training"' in text  # back to the same results
    if service.accepts_referrals:
        assert f'href="/referrals/new?service={service.id}"' in text
    assert f"list={service.id}" in text  # add it to the list of the search it came from

    spanish = await client.get(f"/services/{service.id}", headers={"accept-language": "es"})
    assert "Programa de capacitación" in spanish.text
    assert "Costo total: USD" in spanish.text


async def test_confidential_places_are_hidden_from_other_organizations(
    app_client: tuple[httpx.AsyncClient, Any],
) -> None:
    client, app = app_client
    row = await _first(
        app,
        select(ServiceAtLocation.service_id, Address.address_1)
        .join(Location, col(Location.id) == col(ServiceAtLocation.location_id))
        .join(Address, col(Address.location_id) == col(Location.id))
        .where(col(Location.is_private).is_(True)),
    )
    assert row is not None, "the demo network has confidential places"
    service_id, street = row
    await sign_in(client, "coach.alameda")
    seen = await client.get(f"/services/{service_id}")
    assert seen.status_code == 200
    assert street not in seen.text
    client.cookies.clear()
    await sign_in(client, "admin")
    assert street in (await client.get(f"/services/{service_id}")).text


async def test_unknown_and_malformed_ids_get_a_404_page_and_auditors_a_403(
    app_client: tuple[httpx.AsyncClient, Any],
) -> None:
    client, app = app_client
    await sign_in(client, "coach.alameda")
    for bad in ("00000000-0000-0000-0000-000000000000", "x" * 300, "%E2%80%8B", "a'b"):
        answer = await client.get(f"/services/{bad}")
        assert answer.status_code == 404, bad
        assert "There is nothing here" in answer.text
    service: Service = await _first(app, select(Service))
    client.cookies.clear()
    await sign_in(client, "board.auditor")
    assert (await client.get(f"/services/{service.id}")).status_code == 403
