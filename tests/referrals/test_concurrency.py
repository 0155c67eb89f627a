"""Fifty concurrent status changes on one referral: one winner per version, a consistent history."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from hub.core.errors import Conflict
from hub.core.events import OutboxEvent
from hub.identity.principal import Principal
from referrals.models import EventKind, Referral, ReferralEvent
from referrals.service import change_status, update_status
from referrals.state_machine import ReferralStatus
from referrals.transitions import StatusChange
from tests.referrals.builders import make_referral, make_world

CALLERS = 50


async def _try(
    factory: SessionFactory,
    actor: Principal,
    referral_id: str,
    *,
    expected: int | None,
    joined: bool,
    retries: int = 0,
) -> int:
    """Flip in-progress <-> on-hold; return how many times this caller won."""
    wins = 0
    for _ in range(retries + 1):
        async with factory() as session:
            try:
                current = await session.get(Referral, referral_id)
                assert current is not None
                version = current.version if expected is None else expected
                target = (
                    ReferralStatus.ON_HOLD
                    if current.status == ReferralStatus.IN_PROGRESS
                    else ReferralStatus.IN_PROGRESS
                )
                reason = "waiting for papers" if target == ReferralStatus.ON_HOLD else None
                if joined:
                    await update_status(
                        session=session,
                        actor=actor,
                        clock=SystemClock(),
                        referral_id=referral_id,
                        status=target,
                        expected_version=version,
                        reason=reason,
                    )
                    await session.commit()
                else:
                    await session.commit()  # the read ends; the change is its own transaction
                    change = StatusChange(referral_id, target, version, reason)
                    await change_status(
                        factory=factory, actor=actor, clock=SystemClock(), change=change
                    )
                wins += 1
            except Conflict:
                await session.rollback()
    return wins


async def _history(session: AsyncSession, referral_id: str) -> list[ReferralEvent]:
    rows = await session.exec(
        select(ReferralEvent)
        .where(
            ReferralEvent.referral_id == referral_id,
            ReferralEvent.kind == EventKind.STATUS_CHANGE,
        )
        .order_by(col(ReferralEvent.version))
    )
    return list(rows)


@pytest.mark.parametrize("joined", [True, False], ids=["joined-session", "own-transaction"])
async def test_fifty_concurrent_updates(
    session: AsyncSession, session_factory: SessionFactory, joined: bool
) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    await update_status(
        session=session,
        actor=world.receiver,
        clock=SystemClock(),
        referral_id=referral.id,
        status=ReferralStatus.ACCEPTED,
        expected_version=2,
    )
    await session.commit()

    # Round 1: everyone holds version 3; exactly one may win it.
    results = await asyncio.gather(
        *(
            _try(session_factory, world.receiver, referral.id, expected=3, joined=joined)
            for _ in range(CALLERS)
        )
    )
    assert sorted(results) == [0] * (CALLERS - 1) + [1]

    # Round 2: everyone retries with whatever version they read; each version has one winner.
    results = await asyncio.gather(
        *(
            _try(
                session_factory,
                world.receiver,
                referral.id,
                expected=None,
                joined=joined,
                retries=2,
            )
            for _ in range(CALLERS)
        )
    )
    total_wins = 1 + sum(results)
    assert total_wins >= 2

    async with session_factory() as check:
        final = await check.get(Referral, referral.id)
        assert final is not None
        history = await _history(check, referral.id)
        outbox_count = (
            await check.exec(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.aggregate_id == referral.id)
            )
        ).one()
    assert final.version == 3 + total_wins
    versions = [h.version for h in history]
    assert versions == list(range(2, final.version + 1))
    for before, after in itertools.pairwise(history):
        assert after.from_status == before.to_status
    assert history[-1].to_status == final.status
    # created + one outbox row per status change, none for the losers.
    assert outbox_count == 1 + len(history)
