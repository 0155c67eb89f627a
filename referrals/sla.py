"""SLA engine: remind the receiver, escalate to the sender, then expire a referral left unanswered.

Business hours are Monday to Friday, 09:00-17:00 in the service location's timezone (UTC when
none is known). Each step is taken at most once per referral, even with many workers ticking at
the same time: the step's `sla_notice` row is inserted with ON CONFLICT DO NOTHING in the same
transaction as its outbox event (or the status change), and only the inserting worker commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.errors import DomainError
from hub.core.events import record_event
from hub.core.ids import new_id
from hub.identity.principal import SYSTEM
from providers.models import Location, ServiceAtLocation
from referrals.models import Referral
from referrals.notifications.config import SlaConfig
from referrals.notifications.models import SlaNotice, SlaNoticeKind
from referrals.notifications.sqlutil import insert_ignore
from referrals.service import update_status
from referrals.state_machine import ReferralOutcome, ReferralStatus

log = logging.getLogger(__name__)

OPEN, CLOSE = time(9), time(17)
BATCH = 500
UTC = ZoneInfo("UTC")
_notice_table: sa.Table = SlaNotice.__table__  # type: ignore[attr-defined]


def business_hours_between(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Hours between two instants that fall on Mon-Fri 09:00-17:00 local time."""
    if end <= start:
        return 0.0
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() < 5:
            opens = datetime.combine(day, OPEN, tz)
            closes = datetime.combine(day, CLOSE, tz)
            lo, hi = max(opens, local_start), min(closes, local_end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


@dataclass(frozen=True, slots=True)
class SlaResult:
    """Steps taken by one tick."""

    reminded: list[str]
    escalated: list[str]
    expired: list[str]


async def _timezone(session: AsyncSession, service_id: str) -> ZoneInfo:
    row = await session.exec(
        select(Location.timezone_name)
        .join(ServiceAtLocation, col(ServiceAtLocation.location_id) == col(Location.id))
        .where(
            col(ServiceAtLocation.service_id) == service_id,
            col(Location.timezone_name).is_not(None),
        )
        .limit(1)
    )
    name = row.first()
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


async def _claim(
    session: AsyncSession, referral_id: str, kind: SlaNoticeKind, now: datetime
) -> bool:
    values = {"id": new_id(), "referral_id": referral_id, "kind": kind.value, "created_at": now}
    return await insert_ignore(session, _notice_table, values, ["referral_id", "kind"])


def _payload(referral: Referral, hours: float) -> dict[str, object]:
    return {
        "referral_id": referral.id,
        "sender_org_id": referral.sender_organization_id,
        "receiver_org_id": referral.receiver_organization_id,
        "service_id": referral.service_id,
        "from_status": None,
        "to_status": None,
        "status": referral.status.value,
        "reason": None,
        "outcome": None,
        "version": referral.version,
        "actor_role": "system",
        "detail": {"business_hours": round(hours)},
    }


async def _notify(
    factory: SessionFactory, referral: Referral, kind: SlaNoticeKind, hours: float, now: datetime
) -> bool:
    topic = "referral.sla_reminder" if kind == SlaNoticeKind.REMIND else "referral.sla_escalated"
    async with factory() as session:
        if not await _claim(session, referral.id, kind, now):
            await session.rollback()
            return False
        record_event(
            session,
            topic=topic,
            aggregate_type="referral",
            aggregate_id=referral.id,
            payload=_payload(referral, hours),
            version=referral.version,
        )
        await session.commit()
        return True


async def _expire(factory: SessionFactory, clock: Clock, referral: Referral, now: datetime) -> bool:
    async with factory() as session:
        if not await _claim(session, referral.id, SlaNoticeKind.EXPIRE, now):
            await session.rollback()
            return False
        try:
            await update_status(
                session=session,
                actor=SYSTEM,
                clock=clock,
                referral_id=referral.id,
                status=ReferralStatus.FAILED,
                expected_version=referral.version,
                reason="expired",
                outcome=ReferralOutcome.OTHER,
            )
        except DomainError as exc:
            # Someone acted on it meanwhile (Conflict) or it moved on: nothing to expire.
            log.warning("referral %s not expired: %s", referral.id, exc)
            await session.rollback()
            return False
        await session.commit()
        return True


async def run_sla_tick(
    *, session_factory: SessionFactory, clock: Clock, config: SlaConfig
) -> SlaResult:
    """Take every SLA step now due on requested referrals (at most once per referral and step)."""
    now = clock.now()
    # Business hours never outrun wall-clock hours, so older than this is a safe prefilter.
    first_due = min(config.remind_after_business_hours, config.escalate_after_business_hours)
    async with session_factory() as session:
        rows = await session.exec(
            select(Referral)
            .where(
                col(Referral.status) == ReferralStatus.REQUESTED,
                col(Referral.sent_at).is_not(None),
                col(Referral.sent_at) <= now - timedelta(hours=first_due),
            )
            .order_by(col(Referral.sent_at))
            .limit(BATCH)
        )
        referrals = list(rows.all())
        done = await session.exec(
            select(SlaNotice.referral_id, SlaNotice.kind).where(
                col(SlaNotice.referral_id).in_([r.id for r in referrals])
            )
        )
        taken = {(rid, SlaNoticeKind(kind)) for rid, kind in done.all()}
        zones = {r.service_id: await _timezone(session, r.service_id) for r in referrals}
    result = SlaResult([], [], [])
    for referral in referrals:
        assert referral.sent_at is not None
        if now - referral.sent_at >= timedelta(days=config.expire_after_days):
            if (referral.id, SlaNoticeKind.EXPIRE) not in taken and await _expire(
                session_factory, clock, referral, now
            ):
                result.expired.append(referral.id)
            continue
        hours = business_hours_between(referral.sent_at, now, zones[referral.service_id])
        steps = (
            (SlaNoticeKind.REMIND, config.remind_after_business_hours, result.reminded),
            (SlaNoticeKind.ESCALATE, config.escalate_after_business_hours, result.escalated),
        )
        for kind, threshold, bucket in steps:
            due = hours >= threshold and (referral.id, kind) not in taken
            if due and await _notify(session_factory, referral, kind, hours, now):
                bucket.append(referral.id)
    return result
