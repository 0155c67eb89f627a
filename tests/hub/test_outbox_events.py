"""Outbox events: written with the change, published only after commit, forgotten on rollback."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from hub.core.db import create_session_factory, transaction
from hub.core.events import EventPublisher, OutboxEvent, PublishedEvent, record_event
from providers.models import Organization


async def test_events_publish_after_commit_only(engine: AsyncEngine) -> None:
    seen: list[PublishedEvent] = []
    publisher = EventPublisher()
    publisher.subscribe(seen.extend)
    factory = create_session_factory(engine, publisher=publisher)

    async with factory() as session:
        org = Organization(name="Org", description="d")
        session.add(org)
        record_event(
            session,
            topic="organization.created",
            aggregate_type="organization",
            aggregate_id=org.id,
        )
        await session.flush()
        assert seen == []
        await session.commit()
    assert [e.topic for e in seen] == ["organization.created"]

    async with factory() as session:
        rows = (await session.exec(select(OutboxEvent))).all()
    assert [r.id for r in rows] == [seen[0].id]
    assert rows[0].dispatched_at is None


async def test_rolled_back_events_are_neither_stored_nor_published(engine: AsyncEngine) -> None:
    seen: list[PublishedEvent] = []
    publisher = EventPublisher()
    publisher.subscribe(seen.extend)
    factory = create_session_factory(engine, publisher=publisher)

    try:
        async with transaction(factory) as session:
            record_event(session, topic="x.created", aggregate_type="x", aggregate_id="1")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with transaction(factory) as session:
        record_event(session, topic="y.created", aggregate_type="y", aggregate_id="2")
    assert [e.topic for e in seen] == ["y.created"]
    async with factory() as session:
        topics = [r.topic for r in (await session.exec(select(OutboxEvent))).all()]
    assert topics == ["y.created"]


async def test_a_failing_subscriber_does_not_stop_the_others(engine: AsyncEngine) -> None:
    seen: list[PublishedEvent] = []
    publisher = EventPublisher()

    def broken(_events: list[PublishedEvent]) -> None:
        raise ValueError("subscriber bug")

    publisher.subscribe(broken)
    publisher.subscribe(seen.extend)
    factory = create_session_factory(engine, publisher=publisher)
    async with transaction(factory) as session:
        record_event(session, topic="z.updated", aggregate_type="z", aggregate_id="3")
    assert [e.topic for e in seen] == ["z.updated"]
