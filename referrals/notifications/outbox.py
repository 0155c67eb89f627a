"""The sweeper: re-enqueue outbox events and deliveries whose messages were lost.

Safe with several workers: candidates are read with `FOR UPDATE SKIP LOCKED` on PostgreSQL
(ignored by SQLite, which serialises writers) and each is claimed by a conditional UPDATE, so
of two sweepers exactly one re-enqueues a given row per sweep. A message enqueued twice anyway
is harmless: dispatch and delivery are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from hub.core.events import OutboxEvent
from referrals.notifications.models import DeliveryStatus, NotificationDelivery
from referrals.notifications.recipients import HANDLED_TOPICS
from referrals.notifications.runtime import NotificationRuntime
from referrals.notifications.sqlutil import update_count

BATCH = 500
D = NotificationDelivery


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep re-enqueued."""

    events: int
    deliveries: int


async def _sweep_events(runtime: NotificationRuntime) -> list[str]:
    now = runtime.clock.now()
    cutoff = now - timedelta(seconds=runtime.config.outbox_grace_seconds)
    won: list[str] = []
    async with runtime.session_factory() as session:
        rows = await session.exec(
            select(OutboxEvent.id, OutboxEvent.attempts, OutboxEvent.created_at)
            .where(
                col(OutboxEvent.dispatched_at).is_(None),
                col(OutboxEvent.created_at) < cutoff,
                col(OutboxEvent.topic).in_(HANDLED_TOPICS),
            )
            .order_by(col(OutboxEvent.created_at))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        grace = timedelta(seconds=runtime.config.outbox_grace_seconds)
        for event_id, attempts, created_at in rows.all():
            # Exponential rest between re-enqueues of one event (grace, 2x, 4x ... capped at a
            # day): a backlog in the queue must not be multiplied by the sweeper.
            if created_at + min(grace * 2 ** min(attempts, 16), timedelta(days=1)) > now:
                continue
            claimed = await update_count(
                session,
                sa.update(OutboxEvent)
                .where(
                    col(OutboxEvent.id) == event_id,
                    col(OutboxEvent.attempts) == attempts,
                    col(OutboxEvent.dispatched_at).is_(None),
                )
                .values(attempts=attempts + 1),
            )
            if claimed:
                won.append(event_id)
        await session.commit()
    return won


async def _sweep_deliveries(runtime: NotificationRuntime) -> list[str]:
    now = runtime.clock.now()
    cutoff = now - timedelta(seconds=runtime.config.outbox_grace_seconds)
    lease_cutoff = now - timedelta(seconds=runtime.config.delivery_lease_seconds)
    stuck = sa.or_(
        sa.and_(col(D.status) == DeliveryStatus.PENDING, col(D.updated_at) < cutoff),
        sa.and_(
            col(D.status) == DeliveryStatus.RETRYING,
            col(D.next_attempt_at) < cutoff,
            col(D.updated_at) < cutoff,
        ),
        sa.and_(
            col(D.status) == DeliveryStatus.SENDING,
            col(D.claimed_at) < lease_cutoff,
            col(D.updated_at) < lease_cutoff,
        ),
    )
    won: list[str] = []
    async with runtime.session_factory() as session:
        rows = await session.exec(
            select(D.id, D.updated_at)
            .where(stuck)
            .order_by(col(D.updated_at))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        for delivery_id, seen in rows.all():
            # Touching updated_at both claims the row for this sweep and rests it until the next.
            claimed = await update_count(
                session,
                sa.update(D)
                .where(col(D.id) == delivery_id, col(D.updated_at) == seen)
                .values(updated_at=now),
            )
            if claimed:
                won.append(delivery_id)
        await session.commit()
    return won


async def sweep(runtime: NotificationRuntime) -> SweepResult:
    """Re-enqueue undispatched events and stuck deliveries older than the grace period."""
    events = await _sweep_events(runtime)
    for event_id in events:
        runtime.enqueue.dispatch(event_id)
    deliveries = await _sweep_deliveries(runtime)
    for delivery_id in deliveries:
        runtime.enqueue.deliver(delivery_id)
    return SweepResult(events=len(events), deliveries=len(deliveries))
