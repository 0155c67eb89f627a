"""Client links: hashed, expiring, revocable; client actions write history and events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.core.events import OutboxEvent
from hub.core.security import hash_token
from referrals.links import (
    client_confirm,
    client_rate,
    client_report,
    client_set_channel,
    issue_link,
    resolve_link,
    revoke_link,
)
from referrals.models import AccessLog, ClientLink, ClientReport, NotifyChannel
from referrals.service import update_status
from referrals.state_machine import ReferralStatus
from tests.referrals.builders import CLOCK, T0, make_referral, make_world


async def test_link_round_trip_and_client_actions(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        referral_id=referral.id,
        ttl=timedelta(days=30),
    )
    await session.commit()
    stored = await session.get(ClientLink, issued.link.id)
    assert stored is not None
    assert stored.token_hash == hash_token(issued.token)
    assert issued.token not in stored.token_hash

    resolved = await resolve_link(session=session, clock=CLOCK, token=issued.token)
    assert resolved.referral.id == referral.id
    await client_confirm(session=session, clock=CLOCK, token=issued.token)
    await client_report(
        session=session, clock=CLOCK, token=issued.token, report=ClientReport.GOT_HELP
    )
    await client_rate(session=session, clock=CLOCK, token=issued.token, helped=True)
    done = await client_set_channel(
        session=session, clock=CLOCK, token=issued.token, channel=NotifyChannel.SMS
    )
    await session.commit()
    assert done.referral.client_confirmed_at == T0
    assert done.referral.client_report == ClientReport.GOT_HELP
    assert done.referral.client_helped is True
    assert done.client.preferred_channel == NotifyChannel.SMS
    # Client actions are not status changes: the version staff hold stays valid.
    assert done.referral.version == 2
    topics = list(
        await session.exec(select(OutboxEvent.topic).order_by(col(OutboxEvent.created_at)))
    )
    assert topics[-4:] == ["referral.client_action"] * 4
    logs = list(await session.exec(select(AccessLog).where(AccessLog.actor_type == "client")))
    assert len(logs) == 5


async def test_expired_revoked_and_unknown_tokens_fail_alike(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id, ttl=timedelta(1)
    )
    await session.commit()
    messages = []
    with pytest.raises(NotFound) as caught:
        await resolve_link(
            session=session, clock=FixedClock(T0 + timedelta(days=2)), token=issued.token
        )
    messages.append(caught.value.message)
    with pytest.raises(NotFound) as caught:
        await resolve_link(session=session, clock=CLOCK, token="rl_forged")
    messages.append(caught.value.message)
    await revoke_link(session=session, actor=world.receiver, clock=CLOCK, link_id=issued.link.id)
    with pytest.raises(NotFound) as caught:
        await resolve_link(session=session, clock=CLOCK, token=issued.token)
    messages.append(caught.value.message)
    assert len(set(messages)) == 1


async def test_links_need_a_sent_referral_and_a_party(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await make_referral(session, world, send=False)
    with pytest.raises(ValidationFailed):
        await issue_link(
            session=session, actor=world.sender, clock=CLOCK, referral_id=draft.id, ttl=timedelta(1)
        )
    sent = await make_referral(session, world)
    with pytest.raises(NotFound):
        await issue_link(
            session=session,
            actor=world.outsider,
            clock=CLOCK,
            referral_id=sent.id,
            ttl=timedelta(1),
        )


async def test_channel_needs_contact_details(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id, ttl=timedelta(1)
    )
    world.client.phone = None
    session.add(world.client)
    await session.commit()
    with pytest.raises(ValidationFailed) as caught:
        await client_set_channel(
            session=session, clock=CLOCK, token=issued.token, channel=NotifyChannel.SMS
        )
    assert caught.value.errors[0].code == ErrorCode.INVALID


async def test_a_referral_entered_in_error_closes_its_links(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id, ttl=timedelta(9)
    )
    await update_status(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        referral_id=referral.id,
        status=ReferralStatus.ENTERED_IN_ERROR,
        expected_version=2,
    )
    await session.commit()
    with pytest.raises(NotFound):
        await resolve_link(session=session, clock=CLOCK, token=issued.token)
