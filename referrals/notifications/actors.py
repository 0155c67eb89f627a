"""Dramatiq actors of the notification pipeline; import only after the broker is configured.

Actors receive ids, never objects, and are idempotent, so Dramatiq's own retries are off: a
failed delivery schedules its next attempt itself (recorded in the database) and the sweeper
re-enqueues whatever a lost message left behind.
"""

from __future__ import annotations

import dramatiq

from referrals.notifications import runtime
from referrals.notifications.delivery import deliver as deliver_once
from referrals.notifications.dispatcher import dispatch

QUEUE = "notifications"
# Retries and sweeps never wait behind a backlog of new events.
DELIVERY_QUEUE = "deliveries"


@dramatiq.actor(queue_name=QUEUE, max_retries=0, time_limit=300_000)
async def dispatch_event(event_id: str) -> None:
    """Fan an outbox event out to its subscribers."""
    await dispatch(runtime.current(), event_id)


@dramatiq.actor(queue_name=DELIVERY_QUEUE, max_retries=0, time_limit=300_000)
async def deliver(delivery_id: str) -> None:
    """Attempt one delivery (a retry, a sweep or a manual redelivery)."""
    await deliver_once(runtime.current(), delivery_id)


ACTORS: tuple[dramatiq.Actor, ...] = (dispatch_event, deliver)  # type: ignore[type-arg]


def bind(broker: dramatiq.Broker) -> None:
    """Declare the actors on a broker (the app and tests may replace the global broker)."""
    for actor in ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)


class DramatiqEnqueuer:
    """Sends the actors' messages through their broker."""

    def dispatch(self, event_id: str) -> None:
        """Ask a worker to fan an outbox event out."""
        dispatch_event.send(event_id)

    def deliver(self, delivery_id: str, *, delay_ms: int | None = None) -> None:
        """Ask a worker to attempt one delivery, optionally after a delay."""
        deliver.send_with_options(args=(delivery_id,), delay=delay_ms)
