"""Directory domain functions called directly: validation, authorization, change log, events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.db import SessionFactory, create_session_factory
from hub.core.errors import ErrorCode, Forbidden, NotFound, Unauthenticated, ValidationFailed
from hub.core.events import EventPublisher, OutboxEvent, PublishedEvent
from hub.core.paging import PageRequest
from hub.identity.models import OrgRole
from hub.identity.principal import ANONYMOUS, SYSTEM
from providers import locations, organizations, queries, services, taxonomy
from providers.geocoding.base import GeocodeResult
from providers.models import (
    Attribute,
    GeocodePrecision,
    GeocodeStatus,
    Metadata,
    Service,
    ServiceStatus,
)
from tests.builders import make_organization, make_person, make_service, need, tag

CLOCK = FixedClock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))


class DownGeocoder:
    """A geocoding service that is unreachable (the one boundary we fake)."""

    async def geocode(self, query: str) -> GeocodeResult | None:
        raise ConnectionError("geocoder unreachable")

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        raise ConnectionError("geocoder unreachable")


async def test_events_are_published_after_commit_only(session_factory: SessionFactory) -> None:
    publisher = EventPublisher()
    received: list[PublishedEvent] = []
    publisher.subscribe(received.extend)
    factory = create_session_factory(session_factory.kw["bind"], publisher=publisher)
    async with factory() as session:
        org_id = (await make_organization(session)).id
        await session.commit()
        await services.create_service(
            session=session,
            actor=SYSTEM,
            clock=CLOCK,
            data={"organization_id": org_id, "name": "A"},
        )
        assert received == []
        await session.rollback()
        created = await services.create_service(
            session=session,
            actor=SYSTEM,
            clock=CLOCK,
            data={"organization_id": org_id, "name": "B"},
        )
        await session.commit()

    assert [(e.topic, e.aggregate_id, e.aggregate_version) for e in received] == [
        ("service.created", created.id, 1)
    ]


async def test_update_logs_each_changed_field_with_old_and_new(session: AsyncSession) -> None:
    org = await make_organization(session)
    svc = await make_service(session, org, "Pantry", wait_time="1 week")

    await services.update_service(
        session=session,
        actor=SYSTEM,
        clock=CLOCK,
        service_id=svc.id,
        changes={"name": "Food pantry", "wait_time": "1 week", "minimum_age": 18},
    )

    rows = (await session.exec(select(Metadata).where(col(Metadata.resource_id) == svc.id))).all()
    assert sorted((r.field_name, r.previous_value, r.replacement_value) for r in rows) == [
        ("minimum_age", "", "18"),
        ("name", "Pantry", "Food pantry"),
    ]
    assert all(r.last_action_date == CLOCK.now() and r.updated_by == "system" for r in rows)
    event = (await session.exec(select(OutboxEvent))).one()
    assert event.topic == "service.updated"
    assert event.payload["fields"] == ["minimum_age", "name"]


async def test_every_bad_field_is_reported_and_nothing_is_written(session: AsyncSession) -> None:
    org = await make_organization(session)

    with pytest.raises(ValidationFailed) as failed:
        await services.create_service(
            session=session,
            actor=SYSTEM,
            clock=CLOCK,
            data={
                "organization_id": org.id,
                "name": "",
                "status": "open-ish",
                "url": "x" * 600,
                "minimum_age": 200,
            },
        )

    assert {(e.field, e.code) for e in failed.value.errors} == {
        ("name", ErrorCode.REQUIRED),
        ("status", ErrorCode.INVALID_CHOICE),
        ("url", ErrorCode.TOO_LONG),
        ("minimum_age", ErrorCode.OUT_OF_RANGE),
    }
    assert (await session.exec(select(func.count()).select_from(Service))).one() == 0


async def test_legacy_values_do_not_block_editing_other_fields(session: AsyncSession) -> None:
    org = await make_organization(session)
    # Imported listings may carry values the editor would refuse today.
    svc = await make_service(session, org, "Old", url="www.example.org")

    updated = await services.update_service(
        session=session, actor=SYSTEM, clock=CLOCK, service_id=svc.id, changes={"name": "New"}
    )
    with pytest.raises(ValidationFailed) as failed:
        await services.update_service(
            session=session, actor=SYSTEM, clock=CLOCK, service_id=svc.id, changes={"url": "nope"}
        )

    assert updated.name == "New"
    assert updated.url == "www.example.org"
    assert [e.field for e in failed.value.errors] == ["url"]


async def test_organization_cannot_be_moved_and_unknown_fields_are_refused(
    session: AsyncSession,
) -> None:
    org = await make_organization(session)
    other = await make_organization(session, "Other")
    svc = await make_service(session, org)

    with pytest.raises(ValidationFailed) as failed:
        await services.update_service(
            session=session,
            actor=SYSTEM,
            clock=CLOCK,
            service_id=svc.id,
            changes={"organization_id": other.id, "colour": "red"},
        )

    assert {(e.field, e.code) for e in failed.value.errors} == {
        ("organization_id", ErrorCode.INVALID),
        ("colour", ErrorCode.INVALID),
    }


async def test_role_rules_in_the_domain(session: AsyncSession) -> None:
    east = await make_organization(session, "East")
    west = await make_organization(session, "West")
    svc = await make_service(session, west, "Tutoring")
    admin = await make_person(session, "admin@east.org", organization=east)
    coach = await make_person(session, "coach@west.org", organization=west, role=OrgRole.STAFF)
    auditor = await make_person(session, "audit@board.org", is_auditor=True)
    change = {"name": "X"}

    for actor, error in (
        (ANONYMOUS, Unauthenticated),
        (admin.principal, Forbidden),
        (coach.principal, Forbidden),
        (auditor.principal, Forbidden),
    ):
        with pytest.raises(error):
            await services.update_service(
                session=session, actor=actor, clock=CLOCK, service_id=svc.id, changes=change
            )
    with pytest.raises(Forbidden):
        await organizations.create_organization(
            session=session, actor=admin.principal, clock=CLOCK, data={"name": "Mine"}
        )
    with pytest.raises(NotFound):
        await services.delete_service(
            session=session, actor=SYSTEM, clock=CLOCK, service_id="missing"
        )


async def test_anonymous_lists_only_active_services(session: AsyncSession) -> None:
    org = await make_organization(session)
    await make_service(session, org, "Open")
    await make_service(session, org, "Gone", status=ServiceStatus.DEFUNCT)
    page = PageRequest(first=10)

    public = await queries.list_services(
        session=session, actor=ANONYMOUS, filter=queries.ServiceFilter(), page=page
    )
    asked = await queries.list_services(
        session=session,
        actor=ANONYMOUS,
        filter=queries.ServiceFilter(statuses=[ServiceStatus.DEFUNCT]),
        page=page,
    )
    everything = await queries.list_services(
        session=session, actor=SYSTEM, filter=queries.ServiceFilter(text="gon"), page=page
    )

    assert [s.name for s in public.items] == ["Open"]
    assert asked.items == []
    assert [s.name for s in everything.items] == ["Gone"]


async def test_needs_are_replaced_and_unknown_codes_refused(session: AsyncSession) -> None:
    org = await make_organization(session)
    svc = await make_service(session, org)
    await tag(session, svc, await need(session, "housing"))

    await taxonomy.set_service_needs(
        session=session, actor=SYSTEM, clock=CLOCK, service_id=svc.id, codes=["food", "food.pantry"]
    )
    with pytest.raises(ValidationFailed) as failed:
        await taxonomy.set_service_needs(
            session=session, actor=SYSTEM, clock=CLOCK, service_id=svc.id, codes=["food", "snacks"]
        )

    assert await taxonomy.current_need_codes(session, svc.id) == ["food", "food.pantry"]
    assert failed.value.errors[0].code == ErrorCode.UNKNOWN_NEED
    assert svc.version == 2


async def test_geocoder_outage_marks_failed_without_coordinates(session: AsyncSession) -> None:
    org = await make_organization(session)
    address = {
        "address_1": "1 Main St",
        "city": "San Jose",
        "state_province": "CA",
        "postal_code": "95112",
    }

    place = await locations.create_location(
        session=session,
        actor=SYSTEM,
        clock=CLOCK,
        data={"organization_id": org.id, "address": address},
        geocoder=DownGeocoder(),
    )
    pending = await locations.create_location(
        session=session,
        actor=SYSTEM,
        clock=CLOCK,
        data={"organization_id": org.id, "address": address},
    )

    assert (place.latitude, place.longitude, place.geocode_status) == (
        None,
        None,
        GeocodeStatus.FAILED,
    )
    assert place.geocode_precision == GeocodePrecision.NONE
    assert pending.geocode_status == GeocodeStatus.PENDING


async def test_deleting_an_organization_removes_its_listings_and_tags(
    session: AsyncSession,
) -> None:
    org = await make_organization(session)
    svc = await make_service(session, org)
    await tag(session, svc, await need(session, "food"))
    await session.commit()

    await organizations.delete_organization(
        session=session, actor=SYSTEM, clock=CLOCK, organization_id=org.id
    )
    await session.commit()

    assert (await session.exec(select(func.count()).select_from(Service))).one() == 0
    assert (await session.exec(select(func.count()).select_from(Attribute))).one() == 0
    event = (
        await session.exec(
            select(OutboxEvent).where(col(OutboxEvent.topic) == "organization.deleted")
        )
    ).one()
    assert event.payload["service_ids"] == [svc.id]


async def test_saving_unchanged_values_is_not_a_change(session: AsyncSession) -> None:
    org = await make_organization(session)
    svc = await make_service(session, org, "Pantry")

    same = await services.update_service(
        session=session, actor=SYSTEM, clock=CLOCK, service_id=svc.id, changes={"name": "Pantry"}
    )

    assert same.version == 1
    assert (await session.exec(select(func.count()).select_from(OutboxEvent))).one() == 0
