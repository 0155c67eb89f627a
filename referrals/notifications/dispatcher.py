"""The dispatcher: turns one outbox event into delivery rows (idempotently) and attempts them."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from sqlmodel import col, select

from hub.core.events import OutboxEvent
from hub.core.ids import new_id
from referrals.notifications.delivery import deliver
from referrals.notifications.email import SmtpMailer
from referrals.notifications.models import Channel, DeliveryStatus, NotificationDelivery
from referrals.notifications.recipients import plan_deliveries
from referrals.notifications.runtime import NotificationRuntime
from referrals.notifications.senders import inapp_message
from referrals.notifications.sqlutil import insert_ignore, update_count

log = logging.getLogger(__name__)

_table: sa.Table = NotificationDelivery.__table__  # type: ignore[attr-defined]


async def dispatch(runtime: NotificationRuntime, event_id: str) -> list[str]:
    """Create the event's deliveries once, mark it dispatched, then attempt what is pending."""
    now = runtime.clock.now()
    async with runtime.session_factory() as session:
        event = await session.get(OutboxEvent, event_id)
        if event is None:
            log.warning("outbox event %s does not exist; nothing to dispatch", event_id)
            return []
        live: list[str] = []
        # A repeated message (sweeper, broker redelivery) skips straight to what is pending:
        # no writes, so duplicates cost one read and never contend for the database lock.
        email = isinstance(runtime.mailer, SmtpMailer)
        plans = (
            []
            if event.dispatched_at is not None
            else await plan_deliveries(session, event, email=email)
        )
        for plan in plans:
            # In-app messages are best effort (only connected viewers get them): recorded as
            # sent with the row and published after commit, once, by whoever inserted the row.
            inapp = plan.channel == Channel.INAPP
            # The unique (event, subscriber) key makes a second dispatch of this event a no-op.
            inserted = await insert_ignore(
                session,
                _table,
                {
                    "id": new_id(),
                    "event_id": event.id,
                    "subscriber_key": plan.key,
                    "channel": plan.channel.value,
                    "topic": event.topic,
                    "organization_id": plan.organization_id,
                    "subscription_id": plan.subscription_id,
                    "spec": plan.spec,
                    "status": (DeliveryStatus.SENT if inapp else DeliveryStatus.PENDING).value,
                    "attempts": int(inapp),
                    "sent_at": now if inapp else None,
                    "created_at": now,
                    "updated_at": now,
                },
                ["event_id", "subscriber_key"],
            )
            if inapp and inserted:
                live.append(str(plan.spec["channel"]))
        if event.dispatched_at is None:
            await update_count(
                session,
                sa.update(OutboxEvent)
                .where(col(OutboxEvent.id) == event.id, col(OutboxEvent.dispatched_at).is_(None))
                .values(dispatched_at=now),
            )
        pending = await session.exec(
            select(NotificationDelivery.id)
            .where(
                col(NotificationDelivery.event_id) == event.id,
                col(NotificationDelivery.status) == DeliveryStatus.PENDING,
            )
            .order_by(col(NotificationDelivery.subscriber_key))
        )
        ids = list(pending.all())
        await session.commit()
    message = inapp_message(event)
    for channel in live:
        try:
            await runtime.broadcaster.publish(channel, message)
        except Exception:
            log.exception("in-app broadcast on %s failed", channel)
    # Attempt in place rather than through one more queue hop: each attempt claims its row,
    # so a concurrent or repeated dispatch of the same event cannot send twice.
    results = await asyncio.gather(
        *(deliver(runtime, i, event=event) for i in ids), return_exceptions=True
    )
    for delivery_id, result in zip(ids, results, strict=True):
        if isinstance(result, BaseException):
            log.error("delivery %s raised", delivery_id, exc_info=result)
    return ids
