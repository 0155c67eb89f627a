"""Staff choose which referral emails they get; webhook subscriptions can be paused and resumed."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from hub.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from hub.core.events import OutboxEvent
from hub.identity.principal import ANONYMOUS
from referrals.notifications.preferences import (
    EMAIL_KINDS,
    email_preferences,
    set_email_preferences,
)
from referrals.notifications.recipients import plan_deliveries
from referrals.notifications.subscription_state import set_subscription_active
from referrals.notifications.webhooks import create_subscription
from referrals.service import ReferralData, create_referral, send_referral, update_status
from referrals.state_machine import ReferralStatus
from tests.notifications.builders import build_network

CLOCK = SystemClock()


async def test_preferences_default_on_and_are_kept_per_user(
    session_factory: SessionFactory,
) -> None:
    net = await build_network(session_factory, CLOCK)
    async with session_factory() as session:
        me = net.sender.principal
        assert await email_preferences(session=session, actor=me) == dict.fromkeys(
            EMAIL_KINDS, True
        )
        chosen = await set_email_preferences(
            session=session, actor=me, clock=CLOCK, enabled={"new_referral", "sla_escalated"}
        )
        await session.commit()
        assert chosen == {
            "new_referral": True,
            "status_changed": False,
            "sla_reminder": False,
            "sla_escalated": True,
        }
        # Another person's choices are untouched.
        other = await email_preferences(session=session, actor=net.receiver.principal)
        assert all(other.values())
        with pytest.raises(ValidationFailed):
            await set_email_preferences(session=session, actor=me, clock=CLOCK, enabled={"spam"})
        with pytest.raises(Unauthenticated):
            await email_preferences(session=session, actor=ANONYMOUS)


async def test_a_person_who_turned_status_emails_off_gets_none(
    session_factory: SessionFactory,
) -> None:
    net = await build_network(session_factory, CLOCK, receiver_referral_email=None)
    async with session_factory() as session:
        await set_email_preferences(
            session=session, actor=net.sender.principal, clock=CLOCK, enabled={"new_referral"}
        )
        referral = await create_referral(
            session=session,
            actor=net.sender.principal,
            clock=CLOCK,
            data=ReferralData(
                client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
            ),
        )
        await send_referral(
            session=session, actor=net.sender.principal, clock=CLOCK, referral_id=referral.id
        )
        await update_status(
            session=session,
            actor=net.receiver.principal,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        await session.commit()
        events = {
            e.topic: e
            for e in await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.aggregate_id) == referral.id)
            )
        }
        changed = await plan_deliveries(session, events["referral.status_changed"])
        sent = await plan_deliveries(session, events["referral.sent"])
    keys_changed = {p.key for p in changed}
    assert f"inapp:org:{net.sender_org.id}" in keys_changed  # still told in the app
    assert f"email:user:{net.sender.user.id}" not in keys_changed
    # The receiver's staff (no shared intake address here) still get the new referral.
    assert f"email:user:{net.receiver.user.id}" in {p.key for p in sent}


async def test_webhooks_pause_and_resume_for_admins_only(session_factory: SessionFactory) -> None:
    net = await build_network(session_factory, CLOCK)
    async with session_factory() as session:
        row, _secret = await create_subscription(
            session=session,
            actor=net.admin_receiver,
            clock=CLOCK,
            organization_id=net.receiver_org.id,
            url="https://hooks.example.org/hub",
        )
        row.failure_count = 3
        await session.commit()
        with pytest.raises(Forbidden):
            await set_subscription_active(
                session=session,
                actor=net.receiver.principal,
                clock=CLOCK,
                subscription_id=row.id,
                active=False,
            )
        with pytest.raises(NotFound):
            await set_subscription_active(
                session=session,
                actor=net.admin_sender,
                clock=CLOCK,
                subscription_id=row.id,
                active=False,
            )
        paused = await set_subscription_active(
            session=session,
            actor=net.admin_receiver,
            clock=CLOCK,
            subscription_id=row.id,
            active=False,
        )
        assert paused.active is False
        assert paused.disabled_at is not None
        resumed = await set_subscription_active(
            session=session,
            actor=net.admin_receiver,
            clock=CLOCK,
            subscription_id=row.id,
            active=True,
        )
        assert resumed.active is True
        assert resumed.disabled_at is None
        assert resumed.failure_count == 0
