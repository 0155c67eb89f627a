"""The actions offered on a referral follow the state machine and the actor's side."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.actions import available_statuses
from referrals.state_machine import ReferralStatus as S
from tests.referrals.builders import make_referral, make_world


async def test_each_side_is_offered_what_it_may_set(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await make_referral(session, world, send=False)
    assert available_statuses(world.sender, draft) == [
        S.REQUESTED,
        S.CANCELLED,
        S.ENTERED_IN_ERROR,
    ]
    # A draft is not yet the receiver's: nothing to offer.
    assert available_statuses(world.receiver, draft) == []
    sent = await make_referral(session, world)
    assert available_statuses(world.receiver, sent) == [S.ACCEPTED, S.REJECTED, S.CANCELLED]
    assert available_statuses(world.sender, sent) == [S.CANCELLED, S.ENTERED_IN_ERROR]
    assert available_statuses(world.outsider, sent) == []
    assert available_statuses(world.auditor, sent) == []
