"""Marking a listing verified: who may, what it writes (metadata, event), and staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.errors import Conflict, Forbidden, NotFound, Unauthenticated
from hub.core.events import OutboxEvent
from hub.identity.models import OrgRole
from hub.identity.principal import ANONYMOUS
from providers.listings import organization_listings
from providers.models import Metadata, Service
from providers.verification import is_stale, mark_service_verified
from tests.builders import make_organization, make_person, make_service

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)


def test_staleness_counts_days_since_the_last_verification() -> None:
    assert is_stale(None, now=NOW, stale_after_days=30)
    assert not is_stale(NOW - timedelta(days=30), now=NOW, stale_after_days=30)
    assert is_stale(NOW - timedelta(days=30, seconds=1), now=NOW, stale_after_days=30)


async def test_org_admin_marks_verified_with_metadata_and_event(session: AsyncSession) -> None:
    org = await make_organization(session)
    svc = await make_service(session, org)
    admin = await make_person(session, "admin@org.example", organization=org)
    version, svc_id = svc.version, svc.id
    await session.commit()
    row = await mark_service_verified(
        session=session, actor=admin.principal, clock=CLOCK, service_id=svc_id
    )
    assert row.last_verified_at == NOW
    assert row.last_verified_by == admin.principal.user_id
    assert row.version == version + 1
    await session.commit()
    logged = (await session.exec(select(Metadata).where(col(Metadata.resource_id) == svc_id))).all()
    assert {m.field_name for m in logged} >= {"last_verified_at", "last_verified_by"}
    assert {m.replacement_value for m in logged} >= {NOW.isoformat(), admin.principal.user_id}
    events = (
        await session.exec(select(OutboxEvent).where(col(OutboxEvent.aggregate_id) == svc_id))
    ).all()
    assert [e.topic for e in events][-1] == "service.updated"
    assert events[-1].payload["verified"] is True
    # A stale version is refused and changes nothing.
    with pytest.raises(Conflict):
        await mark_service_verified(
            session=session,
            actor=admin.principal,
            clock=FixedClock(NOW + timedelta(days=1)),
            service_id=svc_id,
            expected_version=version,
        )
    await session.rollback()
    fresh = await session.get(Service, svc_id)
    assert fresh is not None
    assert fresh.last_verified_at == NOW


async def test_staff_strangers_and_anonymous_cannot_mark_verified(session: AsyncSession) -> None:
    org = await make_organization(session)
    other = await make_organization(session, name="Other")
    svc = await make_service(session, org)
    staff = await make_person(session, "staff@org.example", organization=org, role=OrgRole.STAFF)
    stranger = await make_person(session, "admin@other.example", organization=other)
    svc_id = svc.id
    await session.commit()
    for actor in (staff.principal, stranger.principal):
        with pytest.raises(Forbidden):
            await mark_service_verified(
                session=session, actor=actor, clock=CLOCK, service_id=svc_id
            )
    with pytest.raises(Unauthenticated):
        await mark_service_verified(
            session=session, actor=ANONYMOUS, clock=CLOCK, service_id=svc_id
        )
    with pytest.raises(NotFound):
        await mark_service_verified(
            session=session, actor=staff.principal, clock=CLOCK, service_id="no-such-service"
        )
    await session.rollback()
    fresh = await session.get(Service, svc_id)
    assert fresh is not None
    assert fresh.last_verified_at is None


async def test_listings_flag_stale_services_for_members_only(session: AsyncSession) -> None:
    org = await make_organization(session)
    other = await make_organization(session, name="Other")
    fresh = await make_service(session, org, name="Fresh")
    old = await make_service(session, org, name="Old")
    fresh.last_verified_at = NOW - timedelta(days=10)
    old.last_verified_at = NOW - timedelta(days=400)
    session.add_all([fresh, old])
    staff = await make_person(session, "staff@org.example", organization=org, role=OrgRole.STAFF)
    stranger = await make_person(session, "admin@other.example", organization=other)
    org_id = org.id
    await session.commit()
    seen = await organization_listings(
        session=session,
        actor=staff.principal,
        clock=CLOCK,
        organization_id=org_id,
        stale_after_days=365,
    )
    assert [(s.service.name, s.stale) for s in seen.services] == [("Fresh", False), ("Old", True)]
    assert seen.stale_count == 1
    assert seen.can_manage is False
    with pytest.raises(NotFound):
        await organization_listings(
            session=session,
            actor=stranger.principal,
            clock=CLOCK,
            organization_id=org_id,
            stale_after_days=365,
        )
