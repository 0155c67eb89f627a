"""The network report against a hand count of the raw tables, its suppression and its scope."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden
from referrals.analytics.dimensions import Dimension
from referrals.analytics.report import MEASURES, NetworkReport, ReportQuery, network_report
from referrals.analytics.suppression import THRESHOLD
from tests.analytics.conftest import CLOCK, Readers
from tests.analytics.handcount import check_row, grouped, load_raw, measures, population
from tests.analytics.network import END, START, FixtureNetwork

D = Dimension
GROUPINGS: list[tuple[Dimension, ...]] = [
    (D.SENDER,),
    (D.RECEIVER,),
    (D.NEED,),
    (D.STATUS,),
    (D.OUTCOME,),
    (D.MONTH,),
    (D.SENDER, D.RECEIVER),
    (D.RECEIVER, D.MONTH),
]


def _row_key(row: Any) -> tuple[Any, ...]:
    return tuple(g.value for g in row.group)


async def _report(
    session: AsyncSession, reader: Any, dims: tuple[Dimension, ...], net: str | None = None
) -> NetworkReport:
    query = ReportQuery(start=START, end=END, group_by=dims, network_id=net)
    return await network_report(session=session, actor=reader.principal, clock=CLOCK, query=query)


@pytest.mark.parametrize("dims", GROUPINGS, ids=lambda d: "+".join(x.value for x in d))
async def test_report_matches_a_hand_count(
    session: AsyncSession, network: FixtureNetwork, readers: Readers, dims: tuple[Dimension, ...]
) -> None:
    report = await _report(session, readers.auditor_a, dims)
    raw = population(await load_raw(session), START, END, network.ids("a0", "a1", "a2", "a3"))
    hand = grouped(raw, dims)
    assert {_row_key(r) for r in report.rows} == set(hand)
    for row in report.rows:
        check_row(row.counts, row.first_action, row.closure, hand[_row_key(row)])
    check_row(report.total.counts, report.total.first_action, report.total.closure, measures(raw))
    # The fixture is big enough that the total and the large groups are really published.
    assert report.total.counts["referrals"].value == len(raw) > 200
    assert report.total.first_action.median_hours is not None
    assert any(not r.counts["referrals"].suppressed for r in report.rows)


async def test_a_small_cell_and_its_complement_are_both_hidden(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    report = await _report(session, readers.auditor_a, (D.SENDER, D.RECEIVER))
    by_pair = {(r.group[0].value, r.group[1].value): r.counts["referrals"] for r in report.rows}
    small = by_pair[(network.orgs["a3"].id, network.orgs["a0"].id)]
    assert small.suppressed  # 6 referrals a3 -> a0
    hidden = [c for c in by_pair.values() if c.suppressed]
    # With a published total, one hidden cell would be found by subtraction.
    assert report.total.counts["referrals"].suppressed or len(hidden) >= 2
    raw = population(await load_raw(session), START, END, network.ids("a0", "a1", "a2", "a3"))
    hand = grouped(raw, (D.SENDER, D.RECEIVER))
    assert sum(hand[k]["referrals"] for k, c in by_pair.items() if c.suppressed) >= THRESHOLD


@pytest.mark.parametrize("dims", GROUPINGS[:6], ids=lambda d: d[0].value)
async def test_no_column_leaves_a_lone_hidden_cell(
    session: AsyncSession, network: FixtureNetwork, readers: Readers, dims: tuple[Dimension, ...]
) -> None:
    report = await _report(session, readers.admin, dims)
    if D.NEED in dims:
        return  # need groups overlap, so they do not add up to the total
    for name in MEASURES:
        if report.total.counts[name].suppressed:
            continue
        hidden = [r.counts[name] for r in report.rows if r.counts[name].suppressed]
        assert len(hidden) != 1, name


async def test_auditor_of_a_sees_nothing_of_b(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    b_orgs = network.ids("b0", "b1", "b2")
    for dims in [(D.SENDER,), (D.RECEIVER,), (D.SENDER, D.RECEIVER)]:
        report = await _report(session, readers.auditor_a, dims)
        seen = {g.value for r in report.rows for g in r.group}
        assert not seen & b_orgs
        assert report.scope.network_id == network.network_a.id
    with pytest.raises(Forbidden):
        await _report(session, readers.auditor_a, (), net=network.network_b.id)
    # Auditor B's totals are B's alone; the admin sees both networks and the outside org.
    b = await _report(session, readers.auditor_b, ())
    raw = await load_raw(session)
    assert b.total.counts["referrals"].value == len(population(raw, START, END, b_orgs))
    admin = await _report(session, readers.admin, ())
    assert admin.total.counts["referrals"].value == len(population(raw, START, END, None))


async def test_staff_may_not_read_analytics(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    with pytest.raises(Forbidden):
        await _report(session, readers.staff_a, ())
