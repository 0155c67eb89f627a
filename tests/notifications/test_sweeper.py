"""The sweeper re-enqueues deliveries a dead worker left behind, once per sweep across sweepers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from hub.core.clock import SystemClock
from referrals.notifications.models import DeliveryStatus, NotificationDelivery
from referrals.notifications.outbox import sweep
from referrals.notifications.webhooks import create_subscription
from referrals.service import ReferralData, create_referral
from tests.notifications.builders import build_network
from tests.notifications.conftest import wait_for
from tests.notifications.servers import LOOPBACK_HOSTS, WebhookReceiver

CLOCK = SystemClock()


async def test_stuck_sending_and_pending_deliveries_are_retried_after_lease_and_grace(
    session_factory, start_engine, receiver: WebhookReceiver, smtp_sink
) -> None:
    net = await build_network(session_factory, CLOCK)
    async with session_factory() as session:
        _, secret = await create_subscription(
            session=session,
            actor=net.admin_sender,
            clock=CLOCK,
            organization_id=net.sender_org.id,
            url=f"{receiver.base_url}/hook",
            allow_http=True,
            allowed_hosts=LOOPBACK_HOSTS,
        )
        await session.commit()
    receiver.secrets["/hook"] = secret
    engine = start_engine(run_scheduler=False)
    runtime = engine.runtime
    for _ in range(2):
        async with session_factory() as session:
            await create_referral(
                session=session,
                actor=net.sender.principal,
                clock=CLOCK,
                data=ReferralData(
                    client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
                ),
            )
            await session.commit()
    # Two events dispatched by the sweeper (nothing enqueued them); wait until delivered.
    swept = await engine.run_async(sweep(runtime))
    assert swept.events == 0  # younger than the grace period: left alone
    await asyncio.sleep(1.1)
    results = await asyncio.gather(
        engine.run_async(sweep(runtime)), engine.run_async(sweep(runtime))
    )
    assert sum(r.events for r in results) == 2  # two concurrent sweepers: each event once

    async def delivered() -> bool:
        return len(receiver.at("/hook")) == 2

    await wait_for(delivered)

    async def all_sent() -> bool:
        async with session_factory() as session:
            rows = (await session.exec(select(NotificationDelivery.status))).all()
        return all(status == DeliveryStatus.SENT for status in rows)

    await wait_for(all_sent)
    # Now pretend a worker died: one delivery mid-send, one never attempted.
    old = CLOCK.now() - timedelta(seconds=10)
    async with session_factory() as session:
        ids = (
            await session.exec(
                select(NotificationDelivery.id)
                .where(col(NotificationDelivery.channel) == "webhook")
                .order_by(col(NotificationDelivery.id))
            )
        ).all()
        await session.exec(
            sa.update(NotificationDelivery)
            .where(col(NotificationDelivery.id) == ids[0])
            .values(status=DeliveryStatus.SENDING, claimed_at=old, updated_at=old)
        )
        await session.exec(
            sa.update(NotificationDelivery)
            .where(col(NotificationDelivery.id) == ids[1])
            .values(status=DeliveryStatus.PENDING, updated_at=old)
        )
        await session.commit()
    results = await asyncio.gather(
        engine.run_async(sweep(runtime)), engine.run_async(sweep(runtime))
    )
    assert sum(r.deliveries for r in results) == 2, results

    async def redelivered() -> bool:
        return len(receiver.at("/hook")) == 4

    await wait_for(redelivered)
    await wait_for(all_sent)
    assert sorted(r.event_id for r in receiver.at("/hook")[2:]) == sorted(
        r.event_id for r in receiver.at("/hook")[:2]
    )
    assert await engine.run_async(sweep(runtime)) == type(results[0])(0, 0)
