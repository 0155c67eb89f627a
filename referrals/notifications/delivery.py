"""One delivery attempt: claim the row, send, log the attempt, then mark sent or schedule a retry.

At-least-once, made exactly-once-visible: the claim (status `sending`) is committed before the
send and `sent` right after it, so a message redelivered by the broker finds the row `sent` and
does nothing. Only a crash between the send and that commit leaves the row `sending`; after the
lease the sweeper retries it and the receiver sees the same `X-Hub-Event-Id` again, which the
webhook contract tells receivers to deduplicate on.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import OutboxEvent
from referrals.notifications.models import (
    Channel,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationDelivery,
    WebhookSubscription,
)
from referrals.notifications.runtime import NotificationRuntime
from referrals.notifications.senders import SENDERS, Outcome
from referrals.notifications.sqlutil import update_count
from referrals.notifications.webhooks import backoff_seconds

log = logging.getLogger(__name__)

D = NotificationDelivery


def describe_failure(channel: Channel, exc: Exception) -> str:
    """What a failed send logs and keeps: email and SMS errors only by kind and code.

    Mail servers and SMS providers echo the recipient's address or number in their errors
    (`SMTPRecipientsRefused` holds the addresses); a webhook's error names only the endpoint.
    """
    if channel == Channel.WEBHOOK:
        return f"{type(exc).__name__}: {exc}"[:1000]
    code = getattr(exc, "smtp_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    return type(exc).__name__ + (f" ({code})" if isinstance(code, int) else "")


CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


async def deliver(
    runtime: NotificationRuntime, delivery_id: str, *, event: OutboxEvent | None = None
) -> DeliveryStatus | None:
    """Attempt one delivery if nobody else holds it; returns its new status (None if not ours).

    The dispatcher passes the (detached) event it already loaded, saving a read.
    """
    now = runtime.clock.now()
    lease = timedelta(seconds=runtime.config.delivery_lease_seconds)
    async with runtime.session_factory() as session:
        # Claim and read in one statement (UPDATE ... RETURNING: PostgreSQL, SQLite >= 3.35).
        claimed = await session.exec(
            sa.update(D)
            .where(
                col(D.id) == delivery_id,
                sa.or_(
                    col(D.status).in_(CLAIMABLE),
                    sa.and_(
                        col(D.status) == DeliveryStatus.SENDING, col(D.claimed_at) < now - lease
                    ),
                ),
            )
            .values(
                status=DeliveryStatus.SENDING,
                claimed_at=now,
                attempts=D.attempts + 1,
                updated_at=now,
            )
            .returning(D)
            .execution_options(synchronize_session=False)
        )
        row = claimed.scalars().first()
        await session.commit()
        if row is None:
            return None
        if event is None or event.id != row.event_id:
            event = await session.get(OutboxEvent, row.event_id)
            if event is None:
                return None
            session.expunge(event)
        # Detached copies outlive this session; the connection goes back before the send.
        session.expunge(row)
    async with runtime.session_factory() as session:
        try:
            outcome = await SENDERS[row.channel](runtime, session, row, event)
        except Exception as exc:
            error = describe_failure(row.channel, exc)
            log.warning("delivery %s (%s) failed: %s", row.id, row.subscriber_key, error)
            outcome = Outcome(ok=False, error=error)
    return await _record(runtime, row, outcome)


async def _record(
    runtime: NotificationRuntime, row: NotificationDelivery, outcome: Outcome
) -> DeliveryStatus:
    now = runtime.clock.now()
    config = runtime.config
    async with runtime.session_factory() as session:
        session.add(
            DeliveryAttempt(
                delivery_id=row.id,
                number=row.attempts,
                ok=outcome.ok,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                attempted_at=now,
            )
        )
        values: dict[str, object] = {
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "claimed_at": None,
            "updated_at": now,
        }
        delay: float | None = None
        if outcome.ok:
            status = DeliveryStatus.SENT
            values["sent_at"] = now
        elif outcome.skipped:
            status = DeliveryStatus.SKIPPED
        elif row.attempts >= config.webhook_max_attempts:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.RETRYING
            delay = backoff_seconds(
                row.attempts,
                base=config.webhook_backoff_base_seconds,
                cap=config.webhook_backoff_max_seconds,
            )
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        values["status"] = status
        await update_count(
            session,
            sa.update(D)
            .where(col(D.id) == row.id, col(D.status) == DeliveryStatus.SENDING)
            .values(**values),
        )
        disabled = False
        if row.channel == Channel.WEBHOOK and row.subscription_id and not outcome.skipped:
            disabled = await _track_subscription(runtime, session, row.subscription_id, outcome.ok)
        await session.commit()
    if delay is not None and not disabled:
        runtime.enqueue.deliver(row.id, delay_ms=int(delay * 1000))
    return status


async def _track_subscription(
    runtime: NotificationRuntime, session: AsyncSession, subscription_id: str, ok: bool
) -> bool:
    """Count consecutive failures; disable the subscription after too many. True if disabled."""
    W = WebhookSubscription  # noqa: N806 - a table alias
    now = runtime.clock.now()
    if ok:
        await update_count(
            session,
            sa.update(W)
            .where(col(W.id) == subscription_id, col(W.failure_count) != 0)
            .values(failure_count=0),
        )
        return False
    await update_count(
        session,
        sa.update(W)
        .where(col(W.id) == subscription_id)
        .values(failure_count=W.failure_count + 1, updated_at=now),
    )
    limit = runtime.config.webhook_disable_after_failures
    disabled = await update_count(
        session,
        sa.update(W)
        .where(col(W.id) == subscription_id, col(W.active), col(W.failure_count) >= limit)
        .values(active=False, disabled_at=now, updated_at=now),
    )
    if disabled:
        log.warning("webhook subscription %s disabled after %d failures", subscription_id, limit)
        # Nothing more will reach it: close its queued retries as skipped.
        await update_count(
            session,
            sa.update(D)
            .where(col(D.subscription_id) == subscription_id, col(D.status).in_(CLAIMABLE))
            .values(
                status=DeliveryStatus.SKIPPED, last_error="subscription disabled", updated_at=now
            ),
        )
    return disabled > 0 or await _inactive(session, subscription_id)


async def _inactive(session: AsyncSession, subscription_id: str) -> bool:
    sub = await session.get(WebhookSubscription, subscription_id)
    return sub is None or not sub.active
