"""The transition write path (Core statements, no flush): published after commit, coherent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from hub.core.db import SessionFactory, create_session_factory
from hub.core.events import EventPublisher, OutboxEvent, PublishedEvent
from referrals.models import EventKind, Referral, ReferralEvent
from referrals.service import load_referral, update_status
from referrals.state_machine import ReferralStatus
from tests.referrals.builders import CLOCK, make_referral, make_world


def _publishing(engine: AsyncEngine) -> tuple[SessionFactory, list[PublishedEvent]]:
    published: list[PublishedEvent] = []
    publisher = EventPublisher()
    publisher.subscribe(published.extend)
    return create_session_factory(engine, publisher=publisher), published


async def test_a_status_change_is_published_after_commit_and_matches_its_rows(
    engine: AsyncEngine,
) -> None:
    factory, published = _publishing(engine)
    async with factory() as session:
        world = await make_world(session)
        referral = await make_referral(session, world)
        await session.commit()
    published.clear()
    async with factory() as session:
        changed = await update_status(
            session=session,
            actor=world.receiver,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        assert published == []  # nothing leaves before the commit
        await session.commit()
    assert [(e.topic, e.aggregate_id, e.aggregate_version) for e in published] == [
        ("referral.status_changed", referral.id, 3)
    ]
    assert (changed.status, changed.version) == (ReferralStatus.ACCEPTED, 3)
    async with factory() as session:
        event = await session.get(OutboxEvent, published[0].id)
        assert event is not None
        entry = await session.get(ReferralEvent, event.payload["history_id"])
        assert entry is not None
        assert (entry.kind, entry.from_status, entry.to_status, entry.version) == (
            EventKind.STATUS_CHANGE,
            ReferralStatus.REQUESTED,
            ReferralStatus.ACCEPTED,
            3,
        )
        assert event.payload["status"] == "accepted"


async def test_a_rolled_back_status_change_leaves_no_row_and_publishes_nothing(
    engine: AsyncEngine,
) -> None:
    factory, published = _publishing(engine)
    async with factory() as session:
        world = await make_world(session)
        referral = await make_referral(session, world)
        await session.commit()
    published.clear()
    async with factory() as session:
        await update_status(
            session=session,
            actor=world.receiver,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        await session.rollback()
    assert published == []
    async with factory() as session:
        stored = await session.get(Referral, referral.id)
        assert stored is not None
        assert (stored.status, stored.version) == (ReferralStatus.REQUESTED, 2)
        count = (
            await session.exec(
                select(func.count())
                .select_from(OutboxEvent)
                .where(col(OutboxEvent.topic) == "referral.status_changed")
            )
        ).one()
        assert count == 0


async def test_loading_refreshes_the_copy_a_session_holds_and_keeps_it_editable(
    engine: AsyncEngine,
) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        world = await make_world(session)
        referral = await make_referral(session, world)
        await session.commit()
    async with factory() as reader:
        held = await reader.get(Referral, referral.id)
        assert held is not None
        assert held.version == 2
        async with factory() as writer:
            await update_status(
                session=writer,
                actor=world.receiver,
                clock=CLOCK,
                referral_id=referral.id,
                status=ReferralStatus.ACCEPTED,
                expected_version=2,
            )
            await writer.commit()
        await reader.commit()  # end the read snapshot, keep the (now stale) object
        fresh = await load_referral(reader, referral.id)
        assert fresh is held
        assert (held.status, held.version) == (ReferralStatus.ACCEPTED, 3)
        assert not reader.dirty  # refreshed as loaded, not as edits
    async with factory() as session:
        loaded = await load_referral(session, referral.id)
        loaded.client_helped = True  # a loaded referral is persistent: edits flush
        await session.commit()
    async with factory() as session:
        stored = await session.get(Referral, referral.id)
        assert stored is not None
        assert stored.client_helped is True
