"""Merging a duplicate organization: everything moves, roles and networks merge, figures follow."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, NotFound, ValidationFailed
from hub.core.events import OutboxEvent
from hub.identity.models import Membership, Network, NetworkOrganization, OrgRole
from hub.identity.principal import SYSTEM
from hub.identity.service import grant_membership
from providers.models import Location, Metadata, Organization, Service
from referrals.analytics.dimensions import Dimension
from referrals.analytics.report import ReportQuery, network_report
from referrals.models import Referral
from referrals.organization_merge import merge_organizations
from referrals.service import ReferralData, create_referral, send_referral
from tests.builders import make_location, make_person
from tests.referrals.builders import CLOCK, World, make_org, make_referral, make_service, make_world


async def _duplicate(session: AsyncSession, world: World) -> tuple[Organization, Referral]:
    """A second copy of the receiver, with a place, a service, staff, networks and a referral."""
    dup = await make_org(session, "Northside Food Bank (imported)")
    await make_location(session, dup, "Pantry door")
    service = await make_service(session, dup)
    assert world.receiver.user_id is not None
    await grant_membership(
        session=session, user_id=world.receiver.user_id, organization_id=dup.id, role=OrgRole.ADMIN
    )
    a, b = Network(name="A"), Network(name="B")
    session.add_all([a, b])
    await session.flush()
    session.add_all(
        [
            NetworkOrganization(network_id=a.id, organization_id=world.receiver_org.id),
            NetworkOrganization(network_id=a.id, organization_id=dup.id),
            NetworkOrganization(network_id=b.id, organization_id=dup.id),
        ]
    )
    referral = await create_referral(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        data=ReferralData(client_id=world.client.id, service_id=service.id, need_codes=["food"]),
    )
    await send_referral(session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id)
    await session.commit()
    return dup, referral


async def test_everything_of_the_duplicate_moves_to_the_kept_organization(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    first = await make_referral(session, world)
    dup, second = await _duplicate(session, world)
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    keep = world.receiver_org.id
    dup_id, referral_ids = dup.id, (first.id, second.id)
    receiver_user = world.receiver.user_id
    query = ReportQuery(
        start=CLOCK.now() - timedelta(days=1),
        end=CLOCK.now() + timedelta(days=1),
        group_by=(Dimension.RECEIVER,),
    )
    before = await network_report(session=session, actor=SYSTEM, clock=CLOCK, query=query)
    assert {r.group[0].value for r in before.rows} == {keep, dup_id}
    await session.commit()

    result = await merge_organizations(
        session=session, actor=admin.principal, clock=CLOCK, keep_id=keep, duplicate_id=dup_id
    )
    await session.commit()
    session.expire_all()  # the merge writes with UPDATE statements, past loaded objects
    assert result.moved["service.organization_id"] == 1
    assert result.moved["referral.receiver_organization_id"] == 1
    assert await session.get(Organization, dup_id) is None
    services = (await session.exec(select(Service).where(Service.organization_id == keep))).all()
    assert len(services) == 2
    places = (await session.exec(select(Location).where(Location.organization_id == keep))).all()
    assert [p.name for p in places] == ["Pantry door"]
    for referral_id in referral_ids:
        moved = await session.get(Referral, referral_id)
        assert moved is not None
        assert moved.receiver_organization_id == keep
    roles = (await session.exec(select(Membership).where(Membership.organization_id == keep))).all()
    assert [(m.user_id, m.role) for m in roles] == [(receiver_user, OrgRole.ADMIN)]
    links = (await session.exec(select(NetworkOrganization))).all()
    assert sorted(link.organization_id for link in links) == [keep, keep]
    log = (
        await session.exec(select(Metadata).where(col(Metadata.field_name) == "merged_from"))
    ).all()
    assert [m.resource_id for m in log] == [keep]
    topics = (await session.exec(select(OutboxEvent.topic, OutboxEvent.aggregate_id))).all()
    assert ("organization.merged", keep) in topics
    assert ("organization.deleted", dup_id) in topics
    after = await network_report(session=session, actor=SYSTEM, clock=CLOCK, query=query)
    assert [r.group[0].value for r in after.rows] == [keep]


async def test_refused_merges_change_nothing(session: AsyncSession) -> None:
    world = await make_world(session)
    dup, _ = await _duplicate(session, world)
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    keep, dup_id = world.receiver_org.id, dup.id
    with pytest.raises(Forbidden):
        await merge_organizations(
            session=session, actor=world.receiver, clock=CLOCK, keep_id=keep, duplicate_id=dup_id
        )
    with pytest.raises(ValidationFailed):
        await merge_organizations(
            session=session, actor=admin.principal, clock=CLOCK, keep_id=keep, duplicate_id=keep
        )
    with pytest.raises(NotFound):
        await merge_organizations(
            session=session,
            actor=admin.principal,
            clock=CLOCK,
            keep_id=keep,
            duplicate_id=str(uuid.uuid4()),
        )
    await session.rollback()
    assert await session.get(Organization, dup_id) is not None
    owned = (await session.exec(select(Service).where(Service.organization_id == dup_id))).all()
    assert len(owned) == 1
