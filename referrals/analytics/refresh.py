"""Keep the fact table in step with referrals: recompute the facts of referrals whose history moved.

Every referral change (status, view, client action) appends a history entry, and every SLA step
writes an `sla_notice`, so "history or notice newer than the watermark" finds all changed
referrals. The scan starts LAG before the watermark because a transaction stamps its entries
before it commits; recomputing a fact twice is harmless. One INSERT ... SELECT does the work.
The monthly rollup (rollup.py) is rebuilt in the same transaction for the blocks whose facts
changed, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from referrals.analytics.models import ReasonCode, ReferralFact, RefreshMark
from referrals.analytics.rollup import Block, blocks_of, rebuild_blocks, rebuild_rollup
from referrals.models import Referral, ReferralEvent
from referrals.notifications.models import SlaNotice
from referrals.state_machine import ReferralStatus

LAG = timedelta(minutes=10)
MARK = "referral_facts"
CHUNK = 500

_r: sa.Table = Referral.__table__  # type: ignore[attr-defined]
_e: sa.Table = ReferralEvent.__table__  # type: ignore[attr-defined]
_n: sa.Table = SlaNotice.__table__  # type: ignore[attr-defined]
_f: sa.Table = ReferralFact.__table__  # type: ignore[attr-defined]
_m: sa.Table = RefreshMark.__table__  # type: ignore[attr-defined]


async def run(session: AsyncSession, statement: sa.Executable) -> sa.CursorResult[*tuple[Any, ...]]:
    """Execute a Core statement in the session's transaction."""
    connection = await session.connection()
    return await connection.execute(statement)


def dialect_of(session: AsyncSession) -> str:
    """The session's database dialect name."""
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


def seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds (rounded) from `start` to `end`, NULL when either is NULL."""
    if dialect == "postgresql":
        raw: ColumnElement[Any] = sa.extract("epoch", end - start)
    else:
        raw = (sa.func.julianday(end) - sa.func.julianday(start)) * 86400
    return sa.cast(sa.func.round(raw), sa.Integer)


def month_of(column: Any, dialect: str) -> ColumnElement[str]:
    """YYYY-MM of a UTC timestamp column."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _reason_code() -> ColumnElement[str | None]:
    # Free text never leaves the referral table: only exact codes survive, the rest is "other".
    normalized = sa.func.lower(
        sa.func.replace(sa.func.replace(sa.func.trim(_r.c.status_reason), " ", "_"), "-", "_")
    )
    codes = [c.value for c in ReasonCode if c is not ReasonCode.OTHER]
    return sa.case(
        (
            _r.c.status.in_([ReferralStatus.REJECTED.value, ReferralStatus.FAILED.value]),
            sa.case((normalized.in_(codes), normalized), else_=ReasonCode.OTHER.value),
        ),
        else_=None,
    )


def fact_select(dialect: str, now: datetime) -> sa.Select[Any]:
    """SELECT computing the fact row of every sent referral (narrow it with `.where`)."""
    accepted = sa.exists().where(
        _e.c.referral_id == _r.c.id, _e.c.to_status == ReferralStatus.ACCEPTED.value
    )
    breached = sa.exists().where(_n.c.referral_id == _r.c.id)
    return sa.select(
        _r.c.id,
        _r.c.sent_at,
        month_of(_r.c.sent_at, dialect),
        _r.c.sender_organization_id,
        _r.c.receiver_organization_id,
        _r.c.status,
        _r.c.outcome,
        sa.or_(_r.c.viewed_at.is_not(None), _r.c.first_action_at.is_not(None)),
        accepted,
        _r.c.status == ReferralStatus.COMPLETED.value,
        sa.and_(
            _r.c.status.in_([ReferralStatus.COMPLETED.value, ReferralStatus.FAILED.value]),
            _r.c.outcome.is_not(None),
        ),
        seconds_between(_r.c.sent_at, _r.c.first_action_at, dialect),
        seconds_between(_r.c.sent_at, _r.c.closed_at, dialect),
        breached,
        _reason_code(),
        _r.c.client_report,
        _r.c.client_helped,
        sa.literal(now, type_=_f.c.refreshed_at.type),
    ).where(
        _r.c.sent_at.is_not(None),
        _r.c.status != ReferralStatus.ENTERED_IN_ERROR.value,
    )


FACT_COLUMNS = [
    "referral_id",
    "sent_at",
    "sent_month",
    "sender_organization_id",
    "receiver_organization_id",
    "status",
    "outcome",
    "viewed",
    "accepted",
    "completed",
    "closed_loop",
    "first_action_seconds",
    "close_seconds",
    "sla_breached",
    "reason_code",
    "client_report",
    "client_helped",
    "refreshed_at",
]


async def _mark(session: AsyncSession) -> tuple[bool, datetime | None]:
    found = (await run(session, sa.select(_m.c.watermark).where(_m.c.name == MARK))).first()
    return (found is not None, found[0] if found is not None else None)


async def refresh_facts(*, session: AsyncSession, clock: Clock, full: bool = False) -> int:
    """Bring the fact table up to date (everything when `full`); returns facts rewritten."""
    now = clock.now()
    dialect = dialect_of(session)
    exists, watermark = await _mark(session)
    select = fact_select(dialect, now)
    written = 0
    if full or watermark is None:
        await run(session, sa.delete(_f))
        result = await run(session, sa.insert(_f).from_select(FACT_COLUMNS, select))
        written = int(result.rowcount or 0)
        await rebuild_rollup(session)
    else:
        since = watermark - LAG
        changed = sa.union(
            sa.select(_e.c.referral_id).where(_e.c.occurred_at >= since),
            sa.select(_n.c.referral_id).where(_n.c.created_at >= since),
        )
        ids = sorted({str(r[0]) for r in (await run(session, changed)).all()})
        blocks: set[Block] = set()
        # Chunks of primary keys: each statement looks referrals up by id, never scans them all.
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # The blocks a fact leaves and the blocks it joins both change.
            blocks |= await blocks_of(session, chunk)
            await run(session, sa.delete(_f).where(_f.c.referral_id.in_(chunk)))
            result = await run(
                session,
                sa.insert(_f).from_select(FACT_COLUMNS, select.where(_r.c.id.in_(chunk))),
            )
            written += int(result.rowcount or 0)
            blocks |= await blocks_of(session, chunk)
        await rebuild_blocks(session, blocks)
    values = {"watermark": now, "refreshed_at": now}
    if exists:
        await run(session, sa.update(_m).where(_m.c.name == MARK).values(**values))
    else:
        await run(session, sa.insert(_m).values(name=MARK, **values))
    return written


async def ensure_fresh(*, session: AsyncSession, clock: Clock) -> None:
    """Refresh before a report; a concurrent refresh doing the same work is not an error."""
    try:
        async with session.begin_nested():
            await refresh_facts(session=session, clock=clock)
    except (IntegrityError, OperationalError):
        # Another report refreshed the same referrals at the same moment; its facts are as good.
        pass
