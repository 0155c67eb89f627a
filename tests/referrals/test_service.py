"""Referral use cases over a real database: lifecycle, typed errors, history and outbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.errors import Conflict, ErrorCode, Forbidden, NotFound, ValidationFailed
from hub.core.events import OutboxEvent
from providers.models import ServiceStatus
from referrals.clients import active_consent, revoke_consent
from referrals.models import ConsentScope, EventKind, ReferralEvent
from referrals.queries import list_history
from referrals.service import ReferralData, add_note, create_referral, send_referral, update_status
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus
from tests.referrals.builders import CLOCK, T0, make_referral, make_service, make_world


async def outbox(session: AsyncSession) -> list[OutboxEvent]:
    rows = await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.created_at)))
    return list(rows)


async def test_create_drafts_with_history_and_an_event(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world, send=False)
    assert referral.status == ReferralStatus.DRAFT
    assert referral.version == 1
    assert referral.receiver_organization_id == world.receiver_org.id
    history = await list_history(session=session, referral_id=referral.id)
    assert [(h.kind, h.to_status, h.role) for h in history] == [
        (EventKind.CREATED, ReferralStatus.DRAFT, ActorRole.SENDER)
    ]
    events = await outbox(session)
    assert [e.topic for e in events] == ["referral.created"]
    assert events[0].payload["sender_org_id"] == world.sender_org.id
    assert events[0].payload["receiver_org_id"] == world.receiver_org.id


async def test_full_loop_writes_history_and_outbox_without_personal_data(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    assert referral.status == ReferralStatus.REQUESTED
    assert referral.sent_at == T0
    r = await update_status(
        session=session,
        actor=world.receiver,
        clock=CLOCK,
        referral_id=referral.id,
        status=ReferralStatus.ACCEPTED,
        expected_version=2,
    )
    assert (r.status, r.version, r.first_action_at) == (ReferralStatus.ACCEPTED, 3, T0)
    later = FixedClock(T0 + timedelta(days=3))
    r = await update_status(
        session=session,
        actor=world.receiver,
        clock=later,
        referral_id=referral.id,
        status=ReferralStatus.COMPLETED,
        expected_version=3,
        outcome=ReferralOutcome.GOT_HELP,
    )
    await session.commit()
    assert (r.status, r.outcome, r.closed_at, r.version) == (
        ReferralStatus.COMPLETED,
        ReferralOutcome.GOT_HELP,
        later.now(),
        4,
    )
    history = await list_history(session=session, referral_id=referral.id)
    assert [(h.from_status, h.to_status, h.version) for h in history] == [
        (None, ReferralStatus.DRAFT, 1),
        (ReferralStatus.DRAFT, ReferralStatus.REQUESTED, 2),
        (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED, 3),
        (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, 4),
    ]
    events = await outbox(session)
    assert [e.topic for e in events] == [
        "referral.created",
        "referral.sent",
        "referral.status_changed",
        "referral.status_changed",
    ]
    assert events[-1].payload["outcome"] == "got_help"
    assert events[-1].payload["actor_role"] == "receiver"
    dumped = json.dumps([e.payload for e in events])
    # The phone as given and as digits (any normalized form contains them); a bare "555" also
    # turned up inside random UUIDs now and then.
    for secret in ("Maria", "+1 555 010 2000", "5550102000", "maria@example.net", "two kids"):
        assert secret not in dumped


async def test_stale_version_is_a_conflict(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    with pytest.raises(Conflict) as caught:
        await update_status(
            session=session,
            actor=world.receiver,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=1,
        )
    assert (caught.value.expected_version, caught.value.actual_version) == (1, 2)


async def test_send_needs_consent(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world, send=False)
    consent = await active_consent(
        session=session, client_id=world.client.id, scope=ConsentScope.REFERRAL
    )
    assert consent is not None
    await revoke_consent(session=session, actor=world.sender, clock=CLOCK, consent_id=consent.id)
    with pytest.raises(ValidationFailed) as caught:
        await send_referral(
            session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("clientId", ErrorCode.NO_CONSENT)]


@pytest.mark.parametrize(
    ("accepts", "status"), [(False, ServiceStatus.ACTIVE), (True, ServiceStatus.INACTIVE)]
)
async def test_send_needs_an_accepting_active_service(
    session: AsyncSession, accepts: bool, status: ServiceStatus
) -> None:
    world = await make_world(session)
    closed = await make_service(session, world.receiver_org, accepts=accepts, status=status)
    referral = await create_referral(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        data=ReferralData(client_id=world.client.id, service_id=closed.id, need_codes=["food"]),
    )
    with pytest.raises(ValidationFailed) as caught:
        await send_referral(
            session=session, actor=world.sender, clock=CLOCK, referral_id=referral.id
        )
    assert [e.code for e in caught.value.errors] == [ErrorCode.NOT_ACCEPTING]


async def test_roles_are_enforced(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await make_referral(session, world, send=False)
    # The receiver does not know drafts exist.
    with pytest.raises(NotFound):
        await update_status(
            session=session,
            actor=world.receiver,
            clock=CLOCK,
            referral_id=draft.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=1,
        )
    sent = await make_referral(session, world)
    with pytest.raises(Forbidden):
        await update_status(
            session=session,
            actor=world.sender,
            clock=CLOCK,
            referral_id=sent.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
    with pytest.raises(NotFound):
        await update_status(
            session=session,
            actor=world.outsider,
            clock=CLOCK,
            referral_id=sent.id,
            status=ReferralStatus.CANCELLED,
            expected_version=2,
            reason="x",
        )


async def test_reject_needs_a_reason(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    with pytest.raises(ValidationFailed) as caught:
        await update_status(
            session=session,
            actor=world.receiver,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.REJECTED,
            expected_version=2,
        )
    assert caught.value.errors[0].field == "reason"


async def test_notes_are_history_without_their_text(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    note = await add_note(
        session=session,
        actor=world.receiver,
        clock=CLOCK,
        referral_id=referral.id,
        body="Called Maria, voicemail.",
    )
    await session.commit()
    assert note.author_organization_id == world.receiver_org.id
    events = await outbox(session)
    assert events[-1].topic == "referral.note_added"
    assert "Maria" not in json.dumps(events[-1].payload)
    kinds = await session.exec(
        select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral.id)
    )
    assert EventKind.NOTE in list(kinds)
    with pytest.raises(NotFound):
        await add_note(
            session=session, actor=world.outsider, clock=CLOCK, referral_id=referral.id, body="x"
        )
