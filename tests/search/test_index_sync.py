"""Index sync: directory changes reach the index after commit, off the request path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time

import pytest

from hub.container import Container, build_container
from hub.core.db import transaction
from hub.core.settings import Settings
from hub.identity.principal import SYSTEM
from providers import locations, organizations, schedules, services
from providers.geocoding.adapter import OfflineGeocoder
from search.backend import SearchBackend
from search.models import GeoPoint, PlaceContext, SearchRequest
from search.sync import IndexSync

OAKLAND = GeoPoint(37.7806, -122.2166)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The real container: embedded backend in the test's data dir, sync subscribed."""
    built = build_container(settings)
    yield built
    await built.close()


def parts(container: Container) -> tuple[SearchBackend, IndexSync]:
    """The container's backend and sync (always set by build_container)."""
    assert container.search_backend is not None
    assert container.index_sync is not None
    return container.search_backend, container.index_sync


async def near_oakland(backend: SearchBackend, **kwargs: object) -> set[str]:
    """Service ids found within 10 km of ZIP 94601."""
    request = SearchRequest(
        point=OAKLAND,
        radius_km=10,
        place=PlaceContext("94601", "Alameda County", "CA"),
        **kwargs,  # type: ignore[arg-type]
    )
    page = await backend.search(request)
    return {h.service_id for h in page.hits}


async def _listing(container: Container) -> tuple[str, str, str]:
    clock = container.clock
    async with transaction(container.session_factory) as session:
        org = await organizations.create_organization(
            session=session, actor=SYSTEM, clock=clock, data={"name": "Unity Council"}
        )
        service = await services.create_service(
            session=session,
            actor=SYSTEM,
            clock=clock,
            data={
                "organization_id": org.id,
                "name": "Evening Childcare",
                "needs": ["childcare.center"],
            },
        )
        place = await locations.create_location(
            session=session,
            actor=SYSTEM,
            clock=clock,
            geocoder=OfflineGeocoder(),
            data={
                "organization_id": org.id,
                "name": "Fruitvale",
                "address": {
                    "address_1": "1900 Fruitvale Ave",
                    "city": "Oakland",
                    "state_province": "CA",
                    "postal_code": "94601",
                },
            },
        )
        sal = await locations.create_service_at_location(
            session=session, actor=SYSTEM, clock=clock, service_id=service.id, location_id=place.id
        )
    return service.id, place.id, sal.id


async def test_created_listing_is_indexed_after_commit(container: Container) -> None:
    backend, sync = parts(container)
    service_id, _, sal_id = await _listing(container)
    await sync.drain()
    assert await near_oakland(backend) == {service_id}
    assert await backend.document_ids(service_ids=[service_id]) == {f"sal:{sal_id}"}


async def test_schedule_change_updates_open_evenings(container: Container) -> None:
    backend, sync = parts(container)
    service_id, _, _ = await _listing(container)
    await sync.drain()
    assert await near_oakland(backend, open_evenings=True) == set()
    async with transaction(container.session_factory) as session:
        await schedules.create_schedule(
            session=session,
            actor=SYSTEM,
            clock=container.clock,
            data={
                "service_id": service_id,
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": time(16),
                "closes_at": time(21),
            },
        )
    await sync.drain()
    assert await near_oakland(backend, open_evenings=True) == {service_id}


async def test_inactive_service_is_removed_and_comes_back(container: Container) -> None:
    backend, sync = parts(container)
    service_id, _, _ = await _listing(container)
    await sync.drain()
    for status, expected in (("inactive", set()), ("active", {service_id})):
        async with transaction(container.session_factory) as session:
            await services.update_service(
                session=session,
                actor=SYSTEM,
                clock=container.clock,
                service_id=service_id,
                changes={"status": status},
            )
        await sync.drain()
        assert await near_oakland(backend) == expected


async def test_deletes_remove_documents(container: Container) -> None:
    backend, sync = parts(container)
    service_id, location_id, sal_id = await _listing(container)
    other_id, other_location, _ = await _listing(container)
    await sync.drain()
    assert await backend.count() == 2
    async with transaction(container.session_factory) as session:
        await locations.delete_service_at_location(
            session=session, actor=SYSTEM, clock=container.clock, service_at_location_id=sal_id
        )
    await sync.drain()
    assert await near_oakland(backend) == {other_id}
    async with transaction(container.session_factory) as session:
        await locations.delete_location(
            session=session, actor=SYSTEM, clock=container.clock, location_id=other_location
        )
    await sync.drain()
    assert await near_oakland(backend) == set()
    assert await backend.document_ids(location_ids=[location_id, other_location]) == set()
    # Without a place the services stay findable by need, as location-less documents.
    ids = await backend.document_ids(service_ids=[service_id, other_id])
    assert ids == {f"svc:{service_id}", f"svc:{other_id}"}


async def test_replaying_events_is_idempotent(container: Container) -> None:
    backend, sync = parts(container)
    service_id, _, _ = await _listing(container)
    await sync.drain()
    before = await backend.search(SearchRequest(needs=("childcare",)))
    await sync.sync_services([service_id])
    await sync.sync_services([service_id])
    after = await backend.search(SearchRequest(needs=("childcare",)))
    assert [h.document_id for h in after.hits] == [h.document_id for h in before.hits]
    assert await backend.count() == 1


async def test_index_failure_never_fails_the_save(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    backend, sync = parts(container)
    sync.retry_delay = 0.0
    await backend.close()
    # Point the backend at a directory: every write now fails inside the sync task.
    backend.path = container.settings.data_dir  # type: ignore[attr-defined]
    service_id, _, _ = await _listing(container)
    await sync.drain()
    assert service_id
    assert "search index sync failed (attempt 3 of 3)" in caplog.text
