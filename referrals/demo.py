"""Demo referrals: clients with consent and referrals in every status, with weeks of history."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.identity.models import OrgRole
from hub.identity.principal import Principal
from referrals import links
from referrals.clients import ClientData, create_client, record_consent
from referrals.models import ClientReport, ConsentScope, NotifyChannel
from referrals.queries import get_referral
from referrals.service import ReferralData, add_note, create_referral, update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus

S = ReferralStatus
Out = ReferralOutcome

# (actor side, status, reason, outcome) steps after sending; "view" is the receiver's first look.
Step = tuple[str, ReferralStatus | str, str | None, ReferralOutcome | None]
PATHS: dict[ReferralStatus, list[list[Step]]] = {
    S.DRAFT: [[]],
    S.REQUESTED: [[], [("receiver", "view", None, None)]],
    S.ACCEPTED: [[("receiver", "view", None, None), ("receiver", S.ACCEPTED, None, None)]],
    S.REJECTED: [
        [
            ("receiver", "view", None, None),
            ("receiver", S.REJECTED, "Outside our service area", None),
        ],
        [("receiver", S.REJECTED, "Program is full until spring", None)],
    ],
    S.IN_PROGRESS: [
        [("receiver", S.ACCEPTED, None, None), ("receiver", S.IN_PROGRESS, None, None)],
    ],
    S.ON_HOLD: [
        [
            ("receiver", S.ACCEPTED, None, None),
            ("receiver", S.ON_HOLD, "Waiting for proof of income", None),
        ],
    ],
    S.COMPLETED: [
        [
            ("receiver", S.ACCEPTED, None, None),
            ("receiver", S.IN_PROGRESS, None, None),
            ("receiver", S.COMPLETED, None, Out.GOT_HELP),
        ],
        [
            ("receiver", S.ACCEPTED, None, None),
            ("receiver", S.COMPLETED, None, Out.REFERRED_ELSEWHERE),
        ],
    ],
    S.FAILED: [
        [
            ("receiver", S.ACCEPTED, None, None),
            ("receiver", S.FAILED, "No answer after three calls", Out.COULD_NOT_CONTACT),
        ],
        [
            ("receiver", S.ACCEPTED, None, None),
            ("receiver", S.FAILED, "Income above the program limit", Out.NOT_ELIGIBLE),
        ],
    ],
    S.CANCELLED: [[("sender", S.CANCELLED, "Client found a job and no longer needs this", None)]],
    S.ENTERED_IN_ERROR: [[("sender", S.ENTERED_IN_ERROR, None, None)]],
}
NOTES = (
    "Left a voicemail; will try again tomorrow morning.",
    "Client prefers afternoon appointments.",
    "Scheduled intake for next Tuesday.",
    "Client asked about evening classes.",
)
FIRST = ("Maria", "James", "Aisha", "Luis", "Mei", "Darnell", "Sofia", "Tran", "Fatima", "Kevin")
LAST = ("Lopez", "Johnson", "Rahman", "Garcia", "Chen", "Williams", "Nguyen", "Hassan", "Brown")


@dataclass(frozen=True, slots=True)
class StaffSeat:
    """A demo user working for an organization."""

    user_id: str
    organization_id: str
    name: str


def _principal(seat: StaffSeat) -> Principal:
    return Principal(
        user_id=seat.user_id, name=seat.name, org_roles={seat.organization_id: OrgRole.STAFF}
    )


async def _one(
    session: AsyncSession,
    rng: random.Random,
    at: datetime,
    sender: StaffSeat,
    receiver: StaffSeat,
    service_id: str,
    need: str,
    steps: list[Step] | None,
    number: int,
) -> ReferralStatus:
    def clock() -> FixedClock:
        return FixedClock(at)

    me, them = _principal(sender), _principal(receiver)
    language = "es" if number % 3 == 0 else "en"
    name = f"{FIRST[number % len(FIRST)]} {LAST[(number * 7) % len(LAST)]}"
    client = await create_client(
        session=session,
        actor=me,
        clock=clock(),
        data=ClientData(
            organization_id=sender.organization_id,
            name=name,
            phone=f"+1 555 01{number % 100:02d}",
            email=f"client{number}@example.net",
            preferred_language=language,
            preferred_channel=NotifyChannel.SMS if number % 2 else NotifyChannel.EMAIL,
        ),
    )
    await record_consent(
        session=session, actor=me, clock=clock(), client_id=client.id, scope=ConsentScope.REFERRAL
    )
    referral = await create_referral(
        session=session,
        actor=me,
        clock=clock(),
        data=ReferralData(client_id=client.id, service_id=service_id, need_codes=[need]),
    )
    if steps is None:
        return referral.status
    at += timedelta(minutes=rng.randint(5, 90))
    await update_status(
        session=session,
        actor=me,
        clock=clock(),
        referral_id=referral.id,
        status=S.REQUESTED,
        expected_version=referral.version,
    )
    for side, target, reason, outcome in steps:
        at += timedelta(hours=rng.randint(2, 72))
        actor = them if side == "receiver" else me
        if target == "view":
            await get_referral(session=session, actor=actor, clock=clock(), referral_id=referral.id)
            continue
        assert isinstance(target, ReferralStatus)
        if side == "receiver" and referral.viewed_at is None:
            await get_referral(session=session, actor=actor, clock=clock(), referral_id=referral.id)
        await update_status(
            session=session,
            actor=actor,
            clock=clock(),
            referral_id=referral.id,
            status=target,
            expected_version=referral.version,
            reason=reason,
            outcome=outcome,
        )
        if target in (S.ACCEPTED, S.IN_PROGRESS) and rng.random() < 0.6:
            at += timedelta(hours=rng.randint(1, 24))
            await add_note(
                session=session,
                actor=actor,
                clock=clock(),
                referral_id=referral.id,
                body=rng.choice(NOTES),
            )
    if referral.status in (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED):
        issued = await links.issue_link(
            session=session, actor=me, clock=clock(), referral_id=referral.id, ttl=timedelta(60)
        )
        at += timedelta(hours=rng.randint(1, 12))
        await links.client_confirm(session=session, clock=clock(), token=issued.token)
        if referral.status == S.COMPLETED:
            await links.client_report(
                session=session, clock=clock(), token=issued.token, report=ClientReport.GOT_HELP
            )
            await links.client_rate(session=session, clock=clock(), token=issued.token, helped=True)
    return referral.status


async def create_demo_referrals(
    *,
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    pairs: Sequence[tuple[StaffSeat, StaffSeat, str, str]],
    per_status: int = 3,
) -> Counter[str]:
    """Create `per_status` referrals per status from (sender, receiver, service, need) pairs."""
    made: Counter[str] = Counter()
    if not pairs:
        return made
    number = 0
    for status, paths in PATHS.items():
        for i in range(per_status):
            sender, receiver, service_id, need = pairs[number % len(pairs)]
            start = now - timedelta(days=rng.randint(14, 45), hours=rng.randint(0, 23))
            steps = None if status == S.DRAFT else paths[i % len(paths)]
            reached = await _one(
                session, rng, start, sender, receiver, service_id, need, steps, number
            )
            made[reached.value] += 1
            number += 1
    await session.flush()
    return made
