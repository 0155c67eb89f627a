"""Referrals by need category (the top-level need) and the drill-down into one category."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, ValidationFailed
from providers.needs_taxonomy import shipped_needs
from referrals.analytics.dimensions import Dimension
from referrals.analytics.need_categories import categories, category_of
from referrals.analytics.report import MEASURES, NetworkReport, ReportQuery, network_report
from referrals.models import ReferralNeed
from tests.analytics.conftest import CLOCK, Readers
from tests.analytics.handcount import check_row, grouped, load_raw, measures, population
from tests.analytics.network import END, START, FixtureNetwork
from tests.schema.conftest import GQL

D = Dimension
RARE = 5  # referrals given a legal need: fewer than the threshold


async def _add_child_needs(session: AsyncSession) -> None:
    """Give food referrals two child needs of food, and a few referrals a legal need.

    Then a referral with `food`, `food.pantry` and `food.meals` must count once under food.
    """
    rng = random.Random(3)
    found = (await session.exec(select(ReferralNeed))).all()
    with_food = sorted({n.referral_id for n in found if n.need_code == "food"})
    others = sorted({n.referral_id for n in found} - set(with_food))
    for referral_id in with_food:
        session.add(ReferralNeed(referral_id=referral_id, need_code="food.pantry"))
        if rng.random() < 0.5:
            session.add(ReferralNeed(referral_id=referral_id, need_code="food.meals"))
    for referral_id in rng.sample(others, RARE):
        session.add(ReferralNeed(referral_id=referral_id, need_code="legal.tenant"))
    await session.commit()


async def _report(
    session: AsyncSession, reader: Any, dims: tuple[Dimension, ...], **extra: Any
) -> NetworkReport:
    query = ReportQuery(
        start=extra.pop("start", START), end=extra.pop("end", END), group_by=dims, **extra
    )
    return await network_report(session=session, actor=reader.principal, clock=CLOCK, query=query)


def _key(row: Any) -> tuple[Any, ...]:
    return tuple(g.value for g in row.group)


def test_every_shipped_need_rolls_up_to_its_top_level_ancestor() -> None:
    parents = {n.code: n.parent_code for n in shipped_needs().needs}
    for code in parents:
        top = code
        while parents[top] is not None:
            top = str(parents[top])
        assert category_of(code) == top
    assert set(categories()) == {c for c, p in parents.items() if p is None}


@pytest.mark.parametrize(
    "dims",
    [(D.NEED_CATEGORY,), (D.NEED_CATEGORY, D.MONTH), (D.NEED_CATEGORY, D.STATUS)],
    ids=lambda d: "+".join(x.value for x in d),
)
@pytest.mark.parametrize("days", [0, 10], ids=["whole-months", "partial-months"])
async def test_a_referral_counts_once_per_category(
    session: AsyncSession,
    network: FixtureNetwork,
    readers: Readers,
    dims: tuple[Dimension, ...],
    days: int,
) -> None:
    await _add_child_needs(session)
    start, end = START + timedelta(days=days), END - timedelta(days=days)
    report = await _report(session, readers.auditor_a, dims, start=start, end=end)
    raw = population(await load_raw(session), start, end, network.ids("a0", "a1", "a2", "a3"))
    hand = grouped(raw, dims)
    assert {_key(r) for r in report.rows} == set(hand)
    for row in report.rows:
        check_row(row.counts, row.first_action, row.closure, hand[_key(row)])
    check_row(report.total.counts, report.total.first_action, report.total.closure, measures(raw))
    if dims == (D.NEED_CATEGORY,):
        food = next(r for r in report.rows if r.group[0].value == "food")
        assert food.group[0].label == "Food"
        with_food = [x for x in raw if any(category_of(n) == "food" for n in x.needs)]
        assert food.counts["referrals"].value == len(with_food) > 20
        # Each of those has two or three food needs: counting needs would give more.
        food_needs = sum(sum(1 for n in x.needs if category_of(n) == "food") for x in with_food)
        assert food_needs >= 2 * len(with_food)


async def test_a_small_category_is_hidden(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    await _add_child_needs(session)
    report = await _report(session, readers.admin, (D.NEED_CATEGORY,))
    legal = next(r for r in report.rows if r.group[0].value == "legal")
    for name in MEASURES:
        assert legal.counts[name].suppressed
        assert legal.counts[name].value is None
    drill = await _report(session, readers.admin, (D.NEED,), need_category="legal")
    assert [r.group[0].value for r in drill.rows] == ["legal.tenant"]
    assert drill.rows[0].counts["referrals"].suppressed
    assert drill.total.counts["referrals"].suppressed


@pytest.mark.parametrize("days", [0, 10], ids=["whole-months", "partial-months"])
async def test_the_drill_down_is_the_per_need_report_of_the_subtree(
    session: AsyncSession, network: FixtureNetwork, readers: Readers, days: int
) -> None:
    await _add_child_needs(session)
    start, end = START + timedelta(days=days), END - timedelta(days=days)
    window = {"start": start, "end": end}
    needs = await _report(session, readers.auditor_a, (D.NEED,), **window)
    drill = await _report(session, readers.auditor_a, (D.NEED,), need_category="food", **window)
    by_category = await _report(session, readers.auditor_a, (D.NEED_CATEGORY,), **window)
    subtree = [r for r in needs.rows if category_of(str(r.group[0].value)) == "food"]
    assert [_key(r) for r in drill.rows] == [_key(r) for r in subtree]
    assert {_key(r) for r in drill.rows} == {("food",), ("food.pantry",), ("food.meals",)}
    for mine, theirs in zip(drill.rows, subtree, strict=True):
        assert mine.counts == theirs.counts
        assert mine.first_action == theirs.first_action
    food = next(r for r in by_category.rows if r.group[0].value == "food")
    assert drill.total.counts == food.counts
    assert drill.total.closure == food.closure


async def test_auditors_see_only_their_network(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    await _add_child_needs(session)
    report = await _report(session, readers.auditor_b, (D.NEED_CATEGORY,))
    raw = population(await load_raw(session), START, END, network.ids("b0", "b1", "b2"))
    hand = grouped(raw, (D.NEED_CATEGORY,))
    assert {_key(r) for r in report.rows} == set(hand)
    for row in report.rows:
        check_row(row.counts, row.first_action, row.closure, hand[_key(row)])
    with pytest.raises(Forbidden):
        await _report(
            session, readers.auditor_b, (D.NEED_CATEGORY,), network_id=network.network_a.id
        )


@pytest.mark.parametrize("code", ["food.pantry", "nope", "", "%", "food%"])
async def test_an_unknown_category_is_a_field_error(
    session: AsyncSession, readers: Readers, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await _report(session, readers.admin, (D.NEED,), need_category=code)
    assert caught.value.errors[0].field == "needCategory"


REPORT = """
query($from: DateTime!, $to: DateTime!, $groupBy: [ReportDimension!], $category: String) {
  networkReport(from: $from, to: $to, groupBy: $groupBy, needCategory: $category) {
    rows { group { dimension value label } sent { value suppressed } }
    total { sent { value suppressed } }
  }
}
"""


async def test_graphql_gives_categories_and_the_drill_down(
    gql: GQL, session: AsyncSession, readers: Readers
) -> None:
    await _add_child_needs(session)
    window = {"from": START.isoformat(), "to": END.isoformat()}
    tops = await gql(
        REPORT, {**window, "groupBy": ["NEED_CATEGORY"]}, headers=readers.auditor_a.headers
    )
    rows = {r["group"][0]["value"]: r for r in tops["data"]["networkReport"]["rows"]}
    assert rows["food"]["group"][0] == {
        "dimension": "NEED_CATEGORY",
        "value": "food",
        "label": "Food",
    }
    drill = await gql(
        REPORT,
        {**window, "groupBy": ["NEED"], "category": "food"},
        headers=readers.auditor_a.headers,
    )
    report = drill["data"]["networkReport"]
    assert {r["group"][0]["value"] for r in report["rows"]} == {"food", "food.pantry", "food.meals"}
    assert report["total"]["sent"] == rows["food"]["sent"]
    bad = await gql(
        REPORT,
        {**window, "groupBy": ["NEED"], "category": "food.pantry"},
        headers=readers.auditor_a.headers,
    )
    assert bad["data"] is None
    assert bad["errors"][0]["extensions"]["code"] == "INVALID"
    assert "top-level need" in bad["errors"][0]["message"]


async def test_reasons_follow_the_category_and_can_be_left_out(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    await _add_child_needs(session)
    everyone = await _report(session, readers.admin, ())
    food = await _report(session, readers.admin, (D.NEED,), need_category="food")
    assert food.reasons
    raw = population(await load_raw(session), START, END, None)
    in_food = [x for x in raw if any(category_of(n) == "food" for n in x.needs)]
    for reason in food.reasons:
        if reason.reason_code == "all" and not reason.count.suppressed:
            assert reason.count.value == sum(1 for x in in_food if x.row.status == reason.status)
    assert food.reasons != everyone.reasons
    quick = await network_report(
        session=session,
        actor=readers.admin.principal,
        clock=CLOCK,
        query=ReportQuery(start=START, end=END, group_by=(D.NEED,), need_category="food"),
        with_reasons=False,
    )
    assert quick.reasons == []
    assert [(r.group, r.counts) for r in quick.rows] == [(r.group, r.counts) for r in food.rows]
    assert quick.total.counts == food.total.counts
