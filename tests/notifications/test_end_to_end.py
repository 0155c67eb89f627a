"""End to end over real parts: database, broker (in-process, Redis), SMTP server, webhook receiver.

create -> send -> accept -> complete; each party gets exactly its notifications, in order, signed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from hub.core.broadcast import InProcessBroadcaster
from hub.core.clock import SystemClock
from referrals.notifications.models import DeliveryStatus, NotificationDelivery
from referrals.notifications.webhooks import create_subscription
from referrals.service import ReferralData, create_referral, send_referral, update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus
from tests.notifications.builders import build_network
from tests.notifications.conftest import redis_url, wait_for
from tests.notifications.servers import LOOPBACK_HOSTS, SmtpSink, WebhookReceiver

CLOCK = SystemClock()


async def _collect(stream: AsyncIterator[dict[str, object]], into: list[dict[str, object]]) -> None:
    async for message in stream:
        into.append(message)


@pytest.mark.parametrize("broker", ["in-process", "redis"])
async def test_referral_lifecycle_notifies_each_party_exactly_once_in_order(
    broker: str,
    session_factory,
    app_factory,
    start_engine,
    receiver: WebhookReceiver,
    smtp_sink: SmtpSink,
    sms,
) -> None:
    broker_url = redis_url() if broker == "redis" else ""
    net = await build_network(session_factory, CLOCK)
    async with session_factory() as session:
        _sender_hook, sender_secret = await create_subscription(
            session=session,
            actor=net.admin_sender,
            clock=CLOCK,
            organization_id=net.sender_org.id,
            url=f"{receiver.base_url}/sender",
            allow_http=True,
            allowed_hosts=LOOPBACK_HOSTS,
        )
        _, receiver_secret = await create_subscription(
            session=session,
            actor=net.admin_receiver,
            clock=CLOCK,
            organization_id=net.receiver_org.id,
            url=f"{receiver.base_url}/receiver",
            allow_http=True,
            allowed_hosts=LOOPBACK_HOSTS,
        )
        await session.commit()
    receiver.secrets = {"/sender": sender_secret, "/receiver": receiver_secret}
    broadcaster = InProcessBroadcaster()
    live: dict[str, list[dict[str, object]]] = {"sender": [], "receiver": []}
    tasks = [
        asyncio.create_task(
            _collect(broadcaster.subscribe(f"org:{net.sender_org.id}"), live["sender"])
        ),
        asyncio.create_task(
            _collect(broadcaster.subscribe(f"org:{net.receiver_org.id}"), live["receiver"])
        ),
    ]
    await asyncio.sleep(0.05)
    notifications = start_engine(broker_url=broker_url, broadcaster=broadcaster)
    app = app_factory(notifications)

    async def hooks(path: str, count: int) -> None:
        async def check() -> bool:
            return len(receiver.at(path)) >= count

        await wait_for(check)

    async with app() as session:
        referral = await create_referral(
            session=session,
            actor=net.sender.principal,
            clock=CLOCK,
            data=ReferralData(
                client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
            ),
        )
        await session.commit()
    await hooks("/sender", 1)
    async with app() as session:
        await send_referral(
            session=session, actor=net.sender.principal, clock=CLOCK, referral_id=referral.id
        )
        await session.commit()
    await hooks("/sender", 2)
    await hooks("/receiver", 1)
    async with app() as session:
        await update_status(
            session=session,
            actor=net.receiver.principal,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        await session.commit()
    await hooks("/receiver", 2)
    async with app() as session:
        await update_status(
            session=session,
            actor=net.receiver.principal,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.COMPLETED,
            outcome=ReferralOutcome.GOT_HELP,
            expected_version=3,
        )
        await session.commit()
    await hooks("/receiver", 3)
    await hooks("/sender", 4)

    async def all_settled() -> bool:
        async with session_factory() as session:
            rows = await session.exec(
                select(NotificationDelivery.status).where(
                    col(NotificationDelivery.status).not_in(
                        [DeliveryStatus.SENT, DeliveryStatus.SKIPPED]
                    )
                )
            )
            return not rows.all() and len(live["sender"]) >= 4 and len(live["receiver"]) >= 3

    await wait_for(all_settled)
    # Give stray duplicates, if any, a moment to show up before counting.
    await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()

    # Webhooks: the sender hears everything, the receiver only from the moment it was sent.
    sender_hooks = receiver.at("/sender")
    receiver_hooks = receiver.at("/receiver")
    assert [(r.topic, r.body["data"]["to_status"]) for r in sender_hooks] == [
        ("referral.created", "draft"),
        ("referral.sent", "requested"),
        ("referral.status_changed", "accepted"),
        ("referral.status_changed", "completed"),
    ]
    assert [(r.topic, r.body["data"]["version"]) for r in receiver_hooks] == [
        ("referral.sent", 2),
        ("referral.status_changed", 3),
        ("referral.status_changed", 4),
    ]
    assert all(r.signature_ok for r in sender_hooks + receiver_hooks)
    assert receiver.duplicates == []
    assert {r.event_id for r in sender_hooks} >= {r.event_id for r in receiver_hooks}
    assert sender_hooks[3].body["data"]["outcome"] == "got_help"
    assert "Maria" not in str([r.body for r in sender_hooks])  # no personal data leaves

    # Email: receiving org's intake address on send; the sender (in Spanish) on each change;
    # the client (in Spanish) once, with a working link.
    intake = smtp_sink.to("intake@northside.example.org")
    assert [m["Subject"] for m in intake] == [
        "New referral for Food pantry from Eastside Career Center"
    ]
    to_sender = smtp_sink.to(net.sender.user.email)
    assert [m["Subject"] for m in to_sender] == [
        "Referencia a Food pantry: aceptada",
        "Referencia a Food pantry: completada",
    ]
    assert "Resultado: recibió ayuda" in to_sender[1].get_content()
    to_client = smtp_sink.to("maria@example.net")
    assert [m["Subject"] for m in to_client] == ["Le han referido a Food pantry"]
    assert re.search(r"https://hub\.example\.org/r/rl_[\w-]+", to_client[0].get_content())
    assert smtp_sink.to(net.receiver.user.email) == []
    assert len(smtp_sink.messages) == 4
    assert {m["X-Hub-Event-Id"] for m in to_sender}.issubset({r.event_id for r in sender_hooks})
    assert sms.sent == []

    # In-app: the same events on each organization's channel.
    assert [m["topic"] for m in live["sender"]] == [r.topic for r in sender_hooks]
    assert [m["event_id"] for m in live["receiver"]] == [r.event_id for r in receiver_hooks]
