"""SLA engine with a fixed clock: business hours, remind -> escalate -> expire, once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from hub.core.clock import FixedClock
from hub.core.events import OutboxEvent
from referrals.models import Referral
from referrals.notifications.config import SlaConfig
from referrals.notifications.models import SlaNotice, SlaNoticeKind
from referrals.service import ReferralData, create_referral, send_referral
from referrals.sla import business_hours_between, run_sla_tick
from referrals.state_machine import ActorRole, ReferralStatus, allowed_targets
from tests.notifications.builders import Network, build_network

LA = ZoneInfo("America/Los_Angeles")
# Monday 2026-11-02, 09:00 in Los Angeles (17:00 UTC).
MONDAY_9 = datetime(2026, 11, 2, 9, 0, tzinfo=LA)
CONFIG = SlaConfig(
    remind_after_business_hours=4, escalate_after_business_hours=8, expire_after_days=3
)


def at(moment: datetime) -> FixedClock:
    """A clock fixed at a local moment."""
    return FixedClock(moment.astimezone(UTC))


def test_business_hours_count_only_weekdays_nine_to_five_in_local_time() -> None:
    friday_4pm = datetime(2026, 11, 6, 16, 0, tzinfo=LA)
    monday_10am = datetime(2026, 11, 9, 10, 0, tzinfo=LA)
    assert business_hours_between(friday_4pm, monday_10am, LA) == pytest.approx(2.0)
    assert business_hours_between(MONDAY_9, MONDAY_9 + timedelta(days=7), LA) == pytest.approx(40)
    # The same instants counted in UTC give a different answer: the timezone matters.
    assert business_hours_between(friday_4pm, monday_10am, ZoneInfo("UTC")) != pytest.approx(2.0)
    saturday = datetime(2026, 11, 7, 8, 0, tzinfo=LA)
    assert business_hours_between(saturday, saturday + timedelta(hours=30), LA) == 0
    assert business_hours_between(monday_10am, friday_4pm, LA) == 0


async def _sent_referral(factory, net: Network, clock: FixedClock) -> str:
    async with factory() as session:
        referral = await create_referral(
            session=session,
            actor=net.sender.principal,
            clock=clock,
            data=ReferralData(
                client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
            ),
        )
        await send_referral(
            session=session, actor=net.sender.principal, clock=clock, referral_id=referral.id
        )
        await session.commit()
    return referral.id


async def _topics(factory, referral_id: str) -> list[str]:
    async with factory() as session:
        rows = await session.exec(
            select(OutboxEvent.topic)
            .where(col(OutboxEvent.aggregate_id) == referral_id)
            .where(col(OutboxEvent.topic).like("referral.sla_%"))
        )
        return sorted(rows.all())


async def test_remind_then_escalate_once_each_even_with_concurrent_ticks(session_factory) -> None:
    net = await build_network(session_factory, at(MONDAY_9), timezone_name="America/Los_Angeles")
    first = await _sent_referral(session_factory, net, at(MONDAY_9))

    async def tick(moment: datetime):
        return await run_sla_tick(session_factory=session_factory, clock=at(moment), config=CONFIG)

    nothing = await tick(MONDAY_9 + timedelta(hours=3))
    assert (nothing.reminded, nothing.escalated, nothing.expired) == ([], [], [])
    # 13:00 is 4 business hours: four workers tick at once, one reminder is written.
    results = await asyncio.gather(*(tick(MONDAY_9 + timedelta(hours=4)) for _ in range(4)))
    assert sum(len(r.reminded) for r in results) == 1
    assert await _topics(session_factory, first) == ["referral.sla_reminder"]
    # Monday 17:00 -> Tuesday 09:00 adds nothing, so Tuesday 09:30 is 8.5 business hours.
    results = await asyncio.gather(
        *(tick(MONDAY_9 + timedelta(days=1, minutes=30)) for _ in range(4))
    )
    assert sum(len(r.escalated) for r in results) == 1
    assert sum(len(r.reminded) for r in results) == 0
    assert await _topics(session_factory, first) == [
        "referral.sla_escalated",
        "referral.sla_reminder",
    ]
    again = await tick(MONDAY_9 + timedelta(days=2))
    assert (again.reminded, again.escalated) == ([], [])
    async with session_factory() as session:
        event = (
            await session.exec(
                select(OutboxEvent).where(OutboxEvent.topic == "referral.sla_escalated")
            )
        ).one()
        notices = (await session.exec(select(SlaNotice))).all()
    assert event.payload["receiver_org_id"] == net.receiver_org.id
    assert event.payload["actor_role"] == "system"
    assert event.payload["detail"] == {"business_hours": 8}  # 8.5 rounded
    assert sorted(n.kind for n in notices) == [SlaNoticeKind.ESCALATE, SlaNoticeKind.REMIND]


async def test_accepted_referrals_are_left_alone(session_factory) -> None:
    net = await build_network(session_factory, at(MONDAY_9))
    referral_id = await _sent_referral(session_factory, net, at(MONDAY_9))
    from referrals.service import update_status

    async with session_factory() as session:
        await update_status(
            session=session,
            actor=net.receiver.principal,
            clock=at(MONDAY_9 + timedelta(hours=1)),
            referral_id=referral_id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        await session.commit()
    result = await run_sla_tick(
        session_factory=session_factory, clock=at(MONDAY_9 + timedelta(days=10)), config=CONFIG
    )
    assert (result.reminded, result.escalated, result.expired) == ([], [], [])


# Issue 4 item 6 expires a requested referral as failed; the state machine must allow the system
# that edge (asked of the referral domain). Until it does, this test must fail, and says why.
def test_only_the_system_may_expire_a_requested_referral() -> None:
    assert ReferralStatus.FAILED in allowed_targets(ReferralStatus.REQUESTED, ActorRole.SYSTEM)
    assert ReferralStatus.FAILED not in allowed_targets(
        ReferralStatus.REQUESTED, ActorRole.RECEIVER
    )


async def test_expires_after_k_days_as_failed_with_reason_expired(session_factory) -> None:
    net = await build_network(session_factory, at(MONDAY_9))
    referral_id = await _sent_referral(session_factory, net, at(MONDAY_9))
    later = MONDAY_9 + timedelta(days=3, minutes=1)
    results = await asyncio.gather(
        *(
            run_sla_tick(session_factory=session_factory, clock=at(later), config=CONFIG)
            for _ in range(3)
        )
    )
    assert sum(len(r.expired) for r in results) == 1
    async with session_factory() as session:
        referral = await session.get(Referral, referral_id)
        topics = (
            await session.exec(
                select(OutboxEvent.topic).where(col(OutboxEvent.aggregate_id) == referral_id)
            )
        ).all()
    assert referral is not None
    assert referral.status == ReferralStatus.FAILED
    assert referral.status_reason == "expired"
    assert topics.count("referral.status_changed") == 1


async def test_reminder_and_escalation_are_emailed_to_receiver_and_sender(
    session_factory, start_engine, smtp_sink
) -> None:
    net = await build_network(session_factory, at(MONDAY_9))
    referral_id = await _sent_referral(session_factory, net, at(MONDAY_9))
    await run_sla_tick(
        session_factory=session_factory,
        clock=at(MONDAY_9 + timedelta(days=1, hours=1)),
        config=CONFIG,
    )
    engine = start_engine(run_scheduler=False)
    from referrals.notifications.dispatcher import dispatch

    async with session_factory() as session:
        events = (
            await session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.aggregate_id) == referral_id)
                .where(col(OutboxEvent.topic).like("referral.sla_%"))
                .order_by(col(OutboxEvent.topic))
            )
        ).all()
    for event in events:
        await engine.run_async(dispatch(engine.runtime, event.id))
    [escalation] = smtp_sink.to(net.sender.user.email)
    assert (
        escalation["Subject"] == "Aún no hay respuesta de Northside Food Bank sobre su referencia"
    )
    assert "8 horas hábiles" in escalation.get_content()  # in UTC: no location timezone
    [reminder] = smtp_sink.to("intake@northside.example.org")
    assert reminder["Subject"] == "Reminder: a referral to Food pantry is waiting for you"
