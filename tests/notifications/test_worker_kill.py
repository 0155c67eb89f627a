"""A `hub worker` process killed with SIGKILL in the middle of 1,000 webhook deliveries loses none.

The receiver deduplicates on X-Hub-Event-Id, as the webhook contract asks. A raw repeat can only
come from the at-least-once window (sent, but the worker died before committing `sent`), so the
test checks that every repeat belongs to a delivery that was `sending` at the moment of the kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from hub.core.clock import SystemClock
from hub.core.db import create_session_factory
from hub.core.events import EventPublisher, OutboxEvent, record_event
from hub.core.settings import Settings
from referrals.notifications.models import DeliveryStatus, NotificationDelivery
from referrals.notifications.webhooks import create_subscription
from referrals.service import ReferralData, create_referral
from tests.notifications.builders import build_network
from tests.notifications.conftest import redis_url, wait_for
from tests.notifications.servers import LOOPBACK_HOSTS, WebhookReceiver
from tests.security.log_privacy import scan_child_log

CLOCK = SystemClock()
TOTAL = 1000

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _start_worker(
    settings: Settings, broker_url: str, namespace: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.resolved_database_url(),
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_SECRET_KEY": "test-secret-key-0123456789",
        "HUB_BROKER_URL": broker_url,
        "HUB_BROKER_NAMESPACE": namespace,
        "HUB_REDIS_URL": "",
        "HUB_SMTP_HOST": "",
        "HUB_WORKER_THREADS": "8",
        "HUB_OUTBOX_SWEEP_SECONDS": "0.5",
        "HUB_OUTBOX_GRACE_SECONDS": "10",
        "HUB_DELIVERY_LEASE_SECONDS": "15",
        "HUB_WEBHOOK_TIMEOUT_SECONDS": "5",
        "HUB_WEBHOOK_ALLOW_HOSTS": ",".join(LOOPBACK_HOSTS),
        "HUB_LOG_FORMAT": "console",
        "HUB_LOG_LEVEL": "INFO",
    }
    scan_child_log(log)  # the worker's own log lines face the log-privacy check too
    with log.open("ab") as out:
        # The child keeps its own copy of the descriptor.
        return subprocess.Popen(
            [sys.executable, "-c", "from hub.cli import main; main()", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_sigkilled_worker_loses_no_delivery_and_receiver_sees_each_event_once(
    settings: Settings, session_factory, start_engine, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    broker_url = redis_url()
    namespace = f"hub-kill-{uuid.uuid4().hex[:8]}"
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
        referral = await create_referral(
            session=session,
            actor=net.sender.principal,
            clock=CLOCK,
            data=ReferralData(
                client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
            ),
        )
        await session.commit()
    receiver.secrets["/hook"] = secret

    def slow_ok(path: str) -> int:
        time.sleep(0.005)  # a receiver doing some work, so the kill lands mid-stream
        return 200

    receiver.status_for = slow_ok
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, broker_url, namespace, log)

    async def ready() -> bool:
        return "notification worker running" in log.read_text(errors="replace")

    try:
        await wait_for(ready, within=60)
        # The app side: commits enqueue through Redis, no workers here.
        app = start_engine(broker_url=broker_url, run_workers=False, namespace=namespace)
        publisher = EventPublisher()
        app.attach(publisher)
        factory = create_session_factory(session_factory.kw["bind"], publisher=publisher)
        for start in range(0, TOTAL - 1, 100):
            async with factory() as session:
                for n in range(start, min(start + 100, TOTAL - 1)):
                    record_event(
                        session,
                        topic="referral.note_added",
                        aggregate_type="referral",
                        aggregate_id=referral.id,
                        payload={"referral_id": referral.id, "n": n},
                    )
                await session.commit()

        def distinct() -> int:
            with receiver.lock:
                return len(receiver.seen_event_ids.get("/hook", set()))

        async def midway() -> bool:
            return distinct() >= 250

        await wait_for(midway, within=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        at_kill = distinct()
        async with session_factory() as session:
            in_flight = (
                await session.exec(
                    select(NotificationDelivery.event_id).where(
                        col(NotificationDelivery.status) == DeliveryStatus.SENDING
                    )
                )
            ).all()
        assert at_kill < TOTAL, "the kill must land in the middle of the run"

        worker = _start_worker(settings, broker_url, namespace, log)

        async def all_sent() -> bool:
            async with session_factory() as session:
                sent = (
                    await session.exec(
                        select(func.count()).where(
                            col(NotificationDelivery.status) == DeliveryStatus.SENT,
                            col(NotificationDelivery.channel) == "webhook",
                        )
                    )
                ).one()
            return sent == TOTAL

        await wait_for(all_sent, within=240, every=0.25)
        await asyncio.sleep(1.0)  # let any late repeat arrive before counting
    finally:
        _stop(worker)

    async with session_factory() as session:
        event_ids = set(
            (
                await session.exec(
                    select(OutboxEvent.id).where(col(OutboxEvent.aggregate_id) == referral.id)
                )
            ).all()
        )
    assert len(event_ids) == TOTAL
    hits = receiver.at("/hook")
    repeats = {d.event_id for d in receiver.duplicates}
    print(
        f"\nkilled after {at_kill} distinct deliveries; {len(in_flight)} in flight at the kill; "
        f"{len(hits)} requests, {len(repeats)} raw repeats deduplicated by event id"
    )
    assert all(h.signature_ok for h in hits)
    assert receiver.seen_event_ids["/hook"] == event_ids  # none lost
    # Exactly-once as the receiver processes it; raw repeats only from the at-least-once window.
    assert repeats <= set(in_flight), (repeats - set(in_flight), in_flight)
