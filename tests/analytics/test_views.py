"""Flows, unmet demand, listing health, audit trails and the fact table's incremental refresh."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.errors import Forbidden
from hub.core.paging import PageRequest
from hub.identity.principal import SYSTEM
from referrals.analytics.audit import access_log, audit_events, change_log, pseudonym
from referrals.analytics.demand import unmet_demand
from referrals.analytics.flows import flow_matrix
from referrals.analytics.health import listing_health
from referrals.analytics.report import ReportQuery, network_report
from referrals.analytics.suppression import THRESHOLD
from referrals.models import Referral
from referrals.service import update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus
from tests.analytics.conftest import CLOCK, Readers
from tests.analytics.handcount import load_raw, population
from tests.analytics.network import END, MARK, NOW, START, FixtureNetwork

KEY = b"test-secret-key-0123456789"
QUERY = ReportQuery(start=START, end=END)


async def test_flow_matrix_matches_hand_counts_and_hides_small_pairs(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    matrix = await flow_matrix(
        session=session, actor=readers.auditor_a.principal, clock=CLOCK, query=QUERY
    )
    raw = population(await load_raw(session), START, END, network.ids("a0", "a1", "a2", "a3"))
    hand = Counter((x.row.sender_organization_id, x.row.receiver_organization_id) for x in raw)
    assert {(c.sender_id, c.receiver_id) for c in matrix.cells} == set(hand)
    for c in matrix.cells:
        true = hand[(c.sender_id, c.receiver_id)]
        assert c.count.suppressed or c.count.value == true
        assert not (true < THRESHOLD and not c.count.suppressed)
    assert matrix.total.value == len(raw)
    # a3 sends only to a0 (6 referrals): its row total would give the cell away, so it goes too.
    a3 = network.orgs["a3"].id
    assert next(t for t in matrix.sent if t.organization_id == a3).count.suppressed
    b_orgs = network.ids("b0", "b1", "b2")
    assert not {c.sender_id for c in matrix.cells} & b_orgs


async def test_unmet_demand_ranks_need_zip_cells_and_suppresses(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    found = await unmet_demand(session=session, actor=readers.admin.principal, query=QUERY)
    cells = {(r.need_code, r.postal_code): r for r in found.rows}
    top = found.rows[0]
    assert (top.need_code, top.postal_code) == ("food", "98101")
    assert (top.searches.value, top.unmet.value, top.unmet_with_capacity.value) == (50, 35, 20)
    assert cells[("housing", "94612")].unmet.value == 14
    assert cells[("housing", "94612")].unmet_with_capacity.suppressed  # 3
    assert cells[("childcare", "94536")].searches.suppressed  # 8 searches
    # Auditor A sees the searches of its network's state (CA) only.
    mine = await unmet_demand(session=session, actor=readers.auditor_a.principal, query=QUERY)
    assert {r.postal_code for r in mine.rows} == {"94601", "94612", "94536"}


async def test_listing_health_per_organization(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    health = await listing_health(session=session, actor=readers.auditor_a.principal, clock=CLOCK)
    by_org = {o.organization_id: o for o in health.organizations}
    assert set(by_org) == network.ids("a0", "a1", "a2", "a3")
    a3 = by_org[network.orgs["a3"].id]
    assert (a3.services, a3.verified_6_months, a3.verified_12_months) == (1, 0, 1)
    assert by_org[network.orgs["a0"].id].verified_6_months_share == 1.0
    assert all(o.without_capacity_status == 1 for o in health.organizations)
    raw = await load_raw(session)
    late = Counter(
        x.row.receiver_organization_id
        for x in raw
        if x.row.status == ReferralStatus.REQUESTED and x.breached
    )
    for org_id, org in by_org.items():
        assert org.has_referrals_past_sla == (late[org_id] > 0)
        assert org.referrals_past_sla.suppressed or org.referrals_past_sla.value == late[org_id]


async def test_audit_trail_is_de_identified_and_scoped(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    page = await audit_events(
        session=session,
        actor=readers.auditor_a.principal,
        query=QUERY,
        page=PageRequest(first=100),
        pseudonym_key=KEY,
    )
    assert len(page.items) == 100
    assert page.has_next_page
    a_orgs = network.ids("a0", "a1", "a2", "a3")
    ids = set(network.referral_ids)
    for e in page.items:
        assert e.sender_organization_id in a_orgs or e.receiver_organization_id in a_orgs
        assert e.referral_key not in ids
        assert len(e.referral_key) == 20
        assert MARK.lower() not in repr(e).lower()
    # Keys are stable, and the next page continues where this one stopped.
    referral = (
        await session.exec(select(Referral).where(Referral.id == network.referral_ids[0]))
    ).one()
    assert (
        pseudonym(KEY, referral.id) == pseudonym(KEY, referral.id) != pseudonym(b"x", referral.id)
    )
    after = await audit_events(
        session=session,
        actor=readers.auditor_a.principal,
        query=QUERY,
        page=PageRequest(first=100, after=page.end_cursor),
        pseudonym_key=KEY,
    )
    assert after.items[0].occurred_at >= page.items[-1].occurred_at
    assert {e.reason_code for e in page.items + after.items} <= {
        None,
        "no_capacity",
        "not_eligible",
        "could_not_contact",
        "out_of_area",
        "other",
    }


async def test_change_log_is_scoped_and_access_log_is_for_hub_admins(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    changes = await change_log(
        session=session, actor=readers.auditor_a.principal, query=QUERY, page=PageRequest(first=50)
    )
    services = {network.services[k].id for k in ("a0", "a1", "a2", "a3")}
    assert {c.resource_id for c in changes.items} == services
    assert {(c.field_name, c.action) for c in changes.items} == {("capacity_status", "update")}
    with pytest.raises(Forbidden):
        await access_log(
            session=session, actor=readers.auditor_a.principal, query=QUERY, page=PageRequest()
        )
    reads = await access_log(
        session=session, actor=readers.admin.principal, query=QUERY, page=PageRequest(first=10)
    )
    assert len(reads.items) == 10


async def test_the_report_follows_new_history(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    query = ReportQuery(start=START, end=END)
    before = await network_report(session=session, actor=SYSTEM, clock=CLOCK, query=query)
    await session.commit()
    waiting = (
        await session.exec(select(Referral).where(Referral.status == ReferralStatus.ACCEPTED))
    ).first()
    assert waiting is not None
    later = FixedClock(NOW + timedelta(days=1))
    await update_status(
        session=session,
        actor=SYSTEM,
        clock=later,
        referral_id=waiting.id,
        status=ReferralStatus.COMPLETED,
        expected_version=None,
        outcome=ReferralOutcome.GOT_HELP,
    )
    await session.commit()
    after = await network_report(session=session, actor=SYSTEM, clock=later, query=query)
    assert after.total.counts["completed"].value == before.total.counts["completed"].value + 1  # type: ignore[operator]
    assert after.total.counts["closed_loop"].value == before.total.counts["closed_loop"].value + 1  # type: ignore[operator]
