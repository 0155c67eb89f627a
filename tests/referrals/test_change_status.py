"""The API's status change: its own transaction, the same rules and rows as the joined one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from hub.core.db import SessionFactory, create_session_factory
from hub.core.errors import Conflict, ErrorCode, NotFound, Unauthenticated, ValidationFailed
from hub.core.events import EventPublisher, OutboxEvent, PublishedEvent
from hub.identity.principal import ANONYMOUS, Principal
from referrals.models import Consent, ConsentScope, Referral, ReferralEvent
from referrals.service import change_status, update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus
from referrals.transitions import StatusChange
from tests.referrals.builders import CLOCK, World, make_referral, make_world


def _publishing(engine: AsyncEngine) -> tuple[SessionFactory, list[PublishedEvent]]:
    published: list[PublishedEvent] = []
    publisher = EventPublisher()
    publisher.subscribe(published.extend)
    return create_session_factory(engine, publisher=publisher), published


async def _world(factory: SessionFactory, *, send: bool = True) -> tuple[World, Referral]:
    async with factory() as session:
        world = await make_world(session)
        referral = await make_referral(session, world, send=send)
        await session.commit()
    return world, referral


async def _change(
    factory: SessionFactory,
    actor: Principal,
    referral_id: str,
    status: ReferralStatus,
    version: int | None,
    **extra: Any,
) -> Referral:
    change = StatusChange(referral_id, status, version, **extra)
    return await change_status(factory=factory, actor=actor, clock=CLOCK, change=change)


async def _history(factory: SessionFactory, referral_id: str) -> list[tuple[Any, ...]]:
    async with factory() as session:
        rows = await session.exec(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id)
            .order_by(col(ReferralEvent.version), col(ReferralEvent.occurred_at))
        )
        return [
            (e.kind, e.role, e.from_status, e.to_status, e.reason, e.outcome, e.version)
            for e in rows
        ]


async def test_a_change_is_committed_and_published_and_returned_as_stored(
    engine: AsyncEngine,
) -> None:
    factory, published = _publishing(engine)
    world, referral = await _world(factory)
    published.clear()
    changed = await _change(factory, world.receiver, referral.id, ReferralStatus.ACCEPTED, 2)
    assert [(e.topic, e.aggregate_id, e.aggregate_version) for e in published] == [
        ("referral.status_changed", referral.id, 3)
    ]
    async with factory() as session:
        stored = await session.get(Referral, referral.id)
        event = await session.get(OutboxEvent, published[0].id)
    assert stored is not None
    assert event is not None
    assert changed.model_dump() == stored.model_dump()
    assert (stored.status, stored.version) == (ReferralStatus.ACCEPTED, 3)
    assert stored.first_action_at is not None
    assert stored.first_action_at.tzinfo is not None
    assert event.payload["status"] == "accepted"
    assert event.payload["actor_role"] == "receiver"


async def test_it_writes_what_the_joined_change_writes(engine: AsyncEngine) -> None:
    factory, _ = _publishing(engine)
    world, own = await _world(factory)
    async with factory() as session:
        joined = await make_referral(session, world)
    steps: list[tuple[Principal, ReferralStatus, dict[str, Any]]] = [
        (world.receiver, ReferralStatus.ACCEPTED, {}),
        (world.receiver, ReferralStatus.ON_HOLD, {"reason": "waiting for papers"}),
        (world.receiver, ReferralStatus.IN_PROGRESS, {}),
        (world.receiver, ReferralStatus.COMPLETED, {"outcome": ReferralOutcome.GOT_HELP}),
    ]
    for version, (actor, status, extra) in enumerate(steps, start=2):
        await _change(factory, actor, own.id, status, version, **extra)
        async with factory() as session:
            await update_status(
                session=session,
                actor=actor,
                clock=CLOCK,
                referral_id=joined.id,
                status=status,
                expected_version=version,
                **extra,
            )
            await session.commit()
    assert await _history(factory, own.id) == await _history(factory, joined.id)
    async with factory() as session:
        a, b = await session.get(Referral, own.id), await session.get(Referral, joined.id)
    assert a is not None
    assert b is not None
    assert (a.status, a.version, a.outcome, a.status_reason) == (
        b.status,
        b.version,
        b.outcome,
        b.status_reason,
    )
    assert a.closed_at is not None
    assert b.closed_at is not None


async def test_a_stale_version_is_a_conflict_and_writes_nothing(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)
    world, referral = await _world(factory)
    await _change(factory, world.receiver, referral.id, ReferralStatus.ACCEPTED, 2)
    published.clear()
    with pytest.raises(Conflict) as caught:
        await _change(factory, world.receiver, referral.id, ReferralStatus.REJECTED, 2, reason="x")
    assert (caught.value.expected_version, caught.value.actual_version) == (2, 3)
    assert published == []
    assert [row[3] for row in await _history(factory, referral.id)] == [
        ReferralStatus.DRAFT,
        ReferralStatus.REQUESTED,
        ReferralStatus.ACCEPTED,
    ]


async def test_only_parties_may_change_a_referral(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)
    world, referral = await _world(factory)
    published.clear()
    for stranger in (world.outsider, world.auditor):
        with pytest.raises(NotFound):
            await _change(factory, stranger, referral.id, ReferralStatus.ACCEPTED, 2)
    with pytest.raises(Unauthenticated):
        await _change(factory, ANONYMOUS, referral.id, ReferralStatus.ACCEPTED, 2)
    with pytest.raises(NotFound):
        await _change(factory, world.receiver, "no-such-referral", ReferralStatus.ACCEPTED, 2)
    assert published == []


async def test_sending_needs_consent_and_an_accepting_service(engine: AsyncEngine) -> None:
    factory, published = _publishing(engine)
    world, draft = await _world(factory, send=False)
    async with factory() as session:
        consent = (await session.exec(select(Consent))).one()
        consent.revoked_at = CLOCK.now()
        world.service.accepts_referrals = False
        session.add_all([consent, world.service])
        await session.commit()
    published.clear()
    with pytest.raises(ValidationFailed) as caught:
        await _change(factory, world.sender, draft.id, ReferralStatus.REQUESTED, None)
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert codes == {("clientId", ErrorCode.NO_CONSENT), ("serviceId", ErrorCode.NOT_ACCEPTING)}
    assert published == []
    async with factory() as session:
        session.add(Consent(client_id=world.client.id, scope=ConsentScope.REFERRAL))
        world.service.accepts_referrals = True
        session.add(world.service)
        await session.commit()
    sent = await _change(factory, world.sender, draft.id, ReferralStatus.REQUESTED, None)
    assert (sent.status, sent.version) == (ReferralStatus.REQUESTED, 2)
    assert sent.sent_at is not None
    assert [e.topic for e in published] == ["referral.sent"]


async def test_the_receiver_sees_a_draft_as_missing(engine: AsyncEngine) -> None:
    factory, _ = _publishing(engine)
    world, draft = await _world(factory, send=False)
    with pytest.raises(NotFound):
        await _change(factory, world.receiver, draft.id, ReferralStatus.ACCEPTED, 1)
    async with factory() as session:
        count = (
            await session.exec(
                select(func.count())
                .select_from(ReferralEvent)
                .where(ReferralEvent.referral_id == draft.id)
            )
        ).one()
    assert count == 1  # created only
