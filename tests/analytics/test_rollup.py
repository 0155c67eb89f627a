"""The monthly rollup: ranges cutting through months against the hand count, the incremental
refresh against a full rebuild, and the array percentiles against their definition."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.identity.principal import SYSTEM
from referrals.analytics.dimensions import Dimension
from referrals.analytics.flows import flow_matrix
from referrals.analytics.models import (
    ReferralCategoryRollup,
    ReferralNeedRollup,
    ReferralPairRollup,
    ReferralRollup,
)
from referrals.analytics.percentiles import MEDIAN, P90, nearest_rank, nearest_ranks
from referrals.analytics.refresh import refresh_facts
from referrals.analytics.report import ReportQuery, network_report
from referrals.analytics.rollup import pack, rebuild_rollup, unpack
from referrals.analytics.sources import split_range
from referrals.models import Referral
from referrals.service import update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus
from tests.analytics.conftest import CLOCK, Readers
from tests.analytics.handcount import check_row, grouped, load_raw, measures, population
from tests.analytics.network import END, NOW, START, FixtureNetwork

D = Dimension
# Inside one month (facts only); partial months around whole ones; whole months then a part.
RANGES = [
    (START + timedelta(days=10, hours=5), START + timedelta(days=20)),
    (START + timedelta(days=17, hours=3, seconds=7), END - timedelta(days=25, hours=2)),
    (START, START + timedelta(days=75)),
]
GROUPINGS: list[tuple[Dimension, ...]] = [
    (),
    (D.SENDER,),
    (D.NEED,),
    (D.MONTH,),
    (D.STATUS, D.OUTCOME),
    (D.NEED, D.STATUS),
]


def _key(row: Any) -> tuple[Any, ...]:
    return tuple(g.value for g in row.group)


@pytest.mark.parametrize("span", RANGES, ids=["in-month", "both-edges", "tail-edge"])
@pytest.mark.parametrize("dims", GROUPINGS, ids=lambda d: "+".join(x.value for x in d) or "total")
async def test_ranges_cutting_months_match_a_hand_count(
    session: AsyncSession,
    network: FixtureNetwork,
    readers: Readers,
    span: tuple[datetime, datetime],
    dims: tuple[Dimension, ...],
) -> None:
    query = ReportQuery(start=span[0], end=span[1], group_by=dims)
    report = await network_report(
        session=session, actor=readers.admin.principal, clock=CLOCK, query=query
    )
    raw = population(await load_raw(session), span[0], span[1], None)
    hand = grouped(raw, dims)
    if dims:
        assert {_key(r) for r in report.rows} == set(hand)
    for row in report.rows:
        check_row(row.counts, row.first_action, row.closure, hand[_key(row)])
    check_row(report.total.counts, report.total.first_action, report.total.closure, measures(raw))
    assert report.total.counts["referrals"].value == len(raw) >= 11


async def test_a_flow_matrix_across_month_edges_counts_every_referral_once(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    start, end = RANGES[1]
    matrix = await flow_matrix(
        session=session,
        actor=readers.auditor_a.principal,
        clock=CLOCK,
        query=ReportQuery(start=start, end=end),
    )
    raw = population(await load_raw(session), start, end, network.ids("a0", "a1", "a2", "a3"))
    assert matrix.total.value == len(raw)
    for cell in matrix.cells:
        true = sum(
            1
            for x in raw
            if (x.row.sender_organization_id, x.row.receiver_organization_id)
            == (cell.sender_id, cell.receiver_id)
        )
        assert cell.count.suppressed or cell.count.value == true


async def _rollup(session: AsyncSession) -> set[tuple[Any, ...]]:
    """Every row of every rollup table."""
    found: set[tuple[Any, ...]] = set()
    for table in (ReferralRollup, ReferralPairRollup, ReferralNeedRollup, ReferralCategoryRollup):
        for row in (await session.exec(select(table))).all():
            found.add((table.__name__, *sorted(row.model_dump().items())))
    return found


async def test_the_incremental_refresh_keeps_the_rollup_equal_to_a_full_rebuild(
    session: AsyncSession, network: FixtureNetwork
) -> None:
    await refresh_facts(session=session, clock=CLOCK, full=True)
    await session.commit()
    before = await _rollup(session)
    assert before
    later = FixedClock(NOW + timedelta(days=1))
    accepted = (
        await session.exec(select(Referral).where(Referral.status == ReferralStatus.ACCEPTED))
    ).all()
    for referral in accepted[:3]:
        await update_status(
            session=session,
            actor=SYSTEM,
            clock=later,
            referral_id=referral.id,
            status=ReferralStatus.COMPLETED,
            expected_version=None,
            outcome=ReferralOutcome.GOT_HELP,
        )
    await session.commit()
    await refresh_facts(session=session, clock=later)
    await session.commit()
    incremental = await _rollup(session)
    assert incremental != before
    await rebuild_rollup(session)
    await session.commit()
    assert await _rollup(session) == incremental
    # Counts in each rollup add up to the facts they came from, and the pair rollup holds every
    # duration of the finer one.
    expected = len(population(await load_raw(session), START, END, None))
    connection = await session.connection()
    for rollup in (ReferralRollup.__table__, ReferralPairRollup.__table__):  # type: ignore[attr-defined]
        assert await connection.scalar(sa.select(sa.func.sum(rollup.c.referrals))) == expected
    durations = []
    for model in (ReferralRollup, ReferralPairRollup):
        rows = (await session.exec(select(model))).all()
        durations.append(sorted(v for r in rows for v in unpack(r.close_seconds).tolist()))
    assert durations[0] == durations[1]
    assert len(durations[0]) > 11


def test_split_range_takes_whole_utc_months_only() -> None:
    parts = split_range(datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 4, 3, tzinfo=UTC))
    assert parts.months == ("2026-02", "2026-04")
    assert parts.edges == (
        (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 3, tzinfo=UTC)),
    )
    aligned = split_range(datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert aligned.months == ("2025-12", "2026-01")
    assert aligned.edges == ()
    # Midnight in UTC-5 is 05:00 UTC: the first month is partial.
    east = timezone(timedelta(hours=-5))
    shifted = split_range(datetime(2026, 1, 1, tzinfo=east), datetime(2026, 3, 1, tzinfo=UTC))
    assert shifted.months == ("2026-02", "2026-03")
    assert shifted.edges[0][0] == datetime(2026, 1, 1, 5, tzinfo=UTC)
    inside = split_range(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 30, tzinfo=UTC))
    assert inside.months is None
    assert len(inside.edges) == 1


@pytest.mark.parametrize("seed", range(40))
def test_percentiles_across_arrays_are_the_nearest_rank(seed: int) -> None:
    rng = random.Random(seed)
    high = rng.choice([3, 50, 10**6])
    chunks = [
        [rng.randint(0, high) for _ in range(rng.randint(0, 30))] for _ in range(rng.randint(1, 12))
    ]
    values = [v for c in chunks for v in c]
    n, median, p90 = nearest_ranks([np.array(c, dtype=np.int64) for c in chunks])
    assert n == len(values)
    assert median == nearest_rank(values, MEDIAN)
    assert p90 == nearest_rank(values, P90)


def test_percentiles_of_hand_picked_values() -> None:
    # Even n: the lower middle value; p90 of 10 values is the 9th.
    assert nearest_ranks([np.arange(10, 0, -1, dtype=np.int64)]) == (10, 5, 9)
    assert nearest_ranks([np.array([7], dtype=np.int64)]) == (1, 7, 7)
    assert nearest_ranks([]) == (0, None, None)
    assert nearest_ranks([np.empty(0, dtype=np.int64)]) == (0, None, None)


def test_packed_durations_come_back_and_concatenate() -> None:
    first, second = pack([5, 3, 2**31 - 1]), pack([0, 4])
    assert unpack(first).tolist() == [3, 5, 2**31 - 1]
    assert unpack(first + second).tolist() == [3, 5, 2**31 - 1, 0, 4]
    assert unpack(b"").tolist() == []
