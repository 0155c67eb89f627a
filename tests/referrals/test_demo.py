"""Demo referrals: every status reached through legal history spread over past weeks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.demo import StaffSeat, create_demo_referrals
from referrals.models import EventKind, Referral, ReferralEvent
from referrals.state_machine import ReferralStatus
from tests.referrals.builders import make_world


async def test_demo_covers_every_status_with_history(session: AsyncSession) -> None:
    world = await make_world(session)
    assert world.sender.user_id
    assert world.receiver.user_id
    sender = StaffSeat(world.sender.user_id, world.sender_org.id, "Sam")
    receiver = StaffSeat(world.receiver.user_id, world.receiver_org.id, "Rita")
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    made = await create_demo_referrals(
        session=session,
        rng=random.Random(7),
        now=now,
        pairs=[(sender, receiver, world.service.id, "food")],
        per_status=2,
    )
    await session.commit()
    assert made == {status.value: 2 for status in ReferralStatus}

    referrals = list(await session.exec(select(Referral)))
    assert {r.status for r in referrals} == set(ReferralStatus)
    events = list(
        await session.exec(select(ReferralEvent).order_by(col(ReferralEvent.occurred_at)))
    )
    assert events[0].occurred_at < now - timedelta(days=14)
    assert all(e.occurred_at <= now for e in events)
    for referral in referrals:
        changes = [
            e for e in events if e.referral_id == referral.id and e.kind == EventKind.STATUS_CHANGE
        ]
        assert [e.version for e in changes] == list(range(2, referral.version + 1))
        if changes:
            assert changes[-1].to_status == referral.status
    kinds = {e.kind for e in events}
    assert {EventKind.VIEWED, EventKind.NOTE, EventKind.CLIENT_CONFIRMED} <= kinds
