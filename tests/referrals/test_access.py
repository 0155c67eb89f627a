"""Authorization and access log: only parties see a client, auditors never; reads are logged."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import NotFound
from hub.core.paging import PageRequest
from referrals.clients import get_client, record_consent
from referrals.disclosure import read_client
from referrals.models import AccessLog, ConsentScope, EventKind, ReferralEvent
from referrals.queries import Direction, ReferralFilter, get_referral, list_referrals
from referrals.state_machine import ReferralStatus
from tests.referrals.builders import CLOCK, make_referral, make_world


async def access_rows(session: AsyncSession) -> list[AccessLog]:
    return list(await session.exec(select(AccessLog).order_by(col(AccessLog.accessed_at))))


async def test_parties_read_the_client_and_each_read_is_logged(session: AsyncSession) -> None:
    world = await make_world(session)
    await record_consent(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        client_id=world.client.id,
        scope=ConsentScope.SHARE_WITH_RECEIVER,
    )
    referral = await make_referral(session, world)
    for actor in (world.sender, world.receiver):
        seen = await get_referral(
            session=session, actor=actor, clock=CLOCK, referral_id=referral.id
        )
        client = await read_client(
            session, actor=actor, referral=seen, through="test:referral", at=CLOCK.now()
        )
        assert client is not None
        assert client.name == "Maria Lopez"
    await session.commit()
    rows = await access_rows(session)
    assert [(r.user_id, r.client_id, r.referral_id, r.through) for r in rows] == [
        (world.sender.user_id, world.client.id, referral.id, "test:referral"),
        (world.receiver.user_id, world.client.id, referral.id, "test:referral"),
    ]


async def test_other_organizations_cannot_read(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    with pytest.raises(NotFound):
        await get_referral(
            session=session, actor=world.outsider, clock=CLOCK, referral_id=referral.id
        )
    with pytest.raises(NotFound):
        await get_client(
            session=session,
            actor=world.outsider,
            clock=CLOCK,
            client_id=world.client.id,
            through="test",
        )
    page = await list_referrals(
        session=session, actor=world.outsider, filter=ReferralFilter(), page=PageRequest(first=10)
    )
    assert page.items == []
    assert await access_rows(session) == []


async def test_auditor_sees_the_referral_but_never_the_client(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    seen = await get_referral(
        session=session, actor=world.auditor, clock=CLOCK, referral_id=referral.id
    )
    assert seen.id == referral.id
    assert (
        await read_client(session, actor=world.auditor, referral=seen, through="t", at=CLOCK.now())
        is None
    )
    page = await list_referrals(
        session=session, actor=world.auditor, filter=ReferralFilter(), page=PageRequest(first=5)
    )
    assert [r.id for r in page.items] == [referral.id]
    await session.commit()
    assert await access_rows(session) == []
    # An auditor's read is not the receiver's first look.
    assert seen.viewed_at is None


async def test_receivers_first_read_is_a_viewed_event_once(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    await get_referral(session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id)
    for _ in range(3):
        await get_referral(
            session=session, actor=world.receiver, clock=CLOCK, referral_id=referral.id
        )
    await session.commit()
    kinds = list(
        await session.exec(
            select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral.id)
        )
    )
    assert kinds.count(EventKind.VIEWED) == 1


async def test_list_is_scoped_by_direction_status_and_need(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await make_referral(session, world, send=False)
    sent = await make_referral(session, world)
    sent_by_sender = await list_referrals(
        session=session,
        actor=world.sender,
        filter=ReferralFilter(direction=Direction.SENT),
        page=PageRequest(first=10),
    )
    assert {r.id for r in sent_by_sender.items} == {draft.id, sent.id}
    received = await list_referrals(
        session=session,
        actor=world.receiver,
        filter=ReferralFilter(direction=Direction.RECEIVED),
        page=PageRequest(first=10),
    )
    assert [r.id for r in received.items] == [sent.id]
    drafts = await list_referrals(
        session=session,
        actor=world.sender,
        filter=ReferralFilter(statuses=[ReferralStatus.DRAFT], need="food"),
        page=PageRequest(first=10),
    )
    assert [r.id for r in drafts.items] == [draft.id]
    none = await list_referrals(
        session=session,
        actor=world.sender,
        filter=ReferralFilter(need="housing"),
        page=PageRequest(first=10),
    )
    assert none.items == []
    first = await list_referrals(
        session=session, actor=world.sender, filter=ReferralFilter(), page=PageRequest(first=1)
    )
    assert first.has_next_page
    rest = await list_referrals(
        session=session,
        actor=world.sender,
        filter=ReferralFilter(),
        page=PageRequest(first=1, after=first.end_cursor),
    )
    assert not rest.has_next_page
    assert {first.items[0].id, rest.items[0].id} == {draft.id, sent.id}
