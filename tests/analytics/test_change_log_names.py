"""The change log names listings and people, and shows a network's hours and phone changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.paging import PageRequest
from providers.schedules import create_schedule
from referrals.analytics.audit import change_log
from referrals.analytics.export import ReportKind, export_report
from referrals.analytics.report import ReportQuery
from tests.analytics.conftest import Readers
from tests.analytics.network import FixtureNetwork

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUERY = ReportQuery(start=WHEN - timedelta(days=1), end=WHEN + timedelta(days=1))


async def _add_hours(session: AsyncSession, network: FixtureNetwork, readers: Readers) -> str:
    schedule = await create_schedule(
        session=session,
        actor=readers.admin.principal,
        clock=FixedClock(WHEN),
        data={
            "service_id": network.services["a0"].id,
            "freq": "WEEKLY",
            "byday": "MO,TU",
            "opens_at": time(9),
            "closes_at": time(17),
        },
    )
    await session.commit()
    return schedule.id


async def test_auditors_see_hours_changes_of_their_network_with_names(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    schedule_id = await _add_hours(session, network, readers)
    seen = await change_log(
        session=session, actor=readers.auditor_a.principal, query=QUERY, page=PageRequest(first=50)
    )
    hours = [c for c in seen.items if c.resource_id == schedule_id]
    assert {c.field_name for c in hours} >= {"opens_at", "closes_at", "byday"}
    assert {c.resource_type for c in hours} == {"schedule"}
    # The service's name and the admin's name, not their ids.
    assert {c.resource_name for c in hours} == {network.services["a0"].name}
    assert {c.changed_by_name for c in hours} == {readers.admin.user.name}
    assert {c.changed_by for c in hours} == {readers.admin.user.id}


async def test_another_networks_auditor_sees_none_of_those_changes(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    schedule_id = await _add_hours(session, network, readers)
    seen = await change_log(
        session=session, actor=readers.auditor_b.principal, query=QUERY, page=PageRequest(first=50)
    )
    assert schedule_id not in {c.resource_id for c in seen.items}


async def test_the_change_log_csv_carries_names(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    await _add_hours(session, network, readers)
    table = await export_report(
        session=session,
        actor=readers.auditor_a.principal,
        clock=FixedClock(WHEN),
        kind=ReportKind.CHANGES,
        query=QUERY,
        pseudonym_key=b"k",
    )
    assert table.columns[2] == "resource_name"
    names = {row[2] for row in table.rows}
    people = {row[5] for row in table.rows}
    assert network.services["a0"].name in names
    assert readers.admin.user.name in people
    assert readers.admin.user.id not in people
