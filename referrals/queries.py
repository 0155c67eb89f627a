"""Read referrals: one with its history, or a keyset page scoped to the viewer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.paging import Page, PageRequest, decode_cursor, encode_cursor
from hub.identity.principal import Principal
from referrals.access import require_visible, visibility_filter
from referrals.models import Referral, ReferralEvent, ReferralNeed, ReferralNote
from referrals.service import load_referral, mark_viewed
from referrals.state_machine import ReferralStatus


class Direction(StrEnum):
    """Referrals the viewer's organizations sent or received."""

    SENT = "sent"
    RECEIVED = "received"


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    """Narrowing of a referral list; every field is optional."""

    direction: Direction | None = None
    statuses: Sequence[ReferralStatus] = ()
    need: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    organization_id: str | None = None


async def get_referral(
    *, session: AsyncSession, actor: Principal, clock: Clock, referral_id: str
) -> Referral:
    """Read a referral the actor may see; the receiver's first read is recorded as viewed."""
    referral = await load_referral(session, referral_id)
    await require_visible(session, actor, referral)
    await mark_viewed(session=session, actor=actor, clock=clock, referral=referral)
    return referral


def _organizations(actor: Principal, organization_id: str | None) -> list[str] | None:
    if organization_id is not None:
        return [organization_id]
    if actor.is_hub_admin or actor.is_system or actor.is_auditor:
        return None
    return list(actor.organization_ids)


async def list_referrals(
    *,
    session: AsyncSession,
    actor: Principal,
    filter: ReferralFilter,
    page: PageRequest,
) -> Page[Referral]:
    """A page of the referrals the actor may see, newest first (keyset on created_at, id)."""
    actor.require_authenticated()
    page.validate()
    query = select(Referral).where(visibility_filter(actor))
    orgs = _organizations(actor, filter.organization_id)
    if filter.direction == Direction.SENT and orgs is not None:
        query = query.where(col(Referral.sender_organization_id).in_(orgs))
    elif filter.direction == Direction.RECEIVED:
        query = query.where(col(Referral.sent_at).is_not(None))
        if orgs is not None:
            query = query.where(col(Referral.receiver_organization_id).in_(orgs))
    elif filter.organization_id is not None:
        query = query.where(
            sa.or_(
                col(Referral.sender_organization_id) == filter.organization_id,
                col(Referral.receiver_organization_id) == filter.organization_id,
            )
        )
    if filter.statuses:
        query = query.where(col(Referral.status).in_(list(filter.statuses)))
    if filter.need:
        query = query.where(
            sa.exists().where(
                col(ReferralNeed.referral_id) == Referral.id,
                col(ReferralNeed.need_code) == filter.need.strip().lower(),
            )
        )
    if filter.created_from is not None:
        query = query.where(col(Referral.created_at) >= filter.created_from)
    if filter.created_to is not None:
        query = query.where(col(Referral.created_at) < filter.created_to)
    if page.after is not None:
        at, last_id = decode_cursor(page.after, 2)
        if not isinstance(at, datetime) or not isinstance(last_id, str):
            raise ValidationFailed.single(
                "after", ErrorCode.INVALID, "The cursor is not valid here."
            )
        query = query.where(
            sa.or_(
                col(Referral.created_at) < at,
                sa.and_(col(Referral.created_at) == at, col(Referral.id) < last_id),
            )
        )
    query = query.order_by(col(Referral.created_at).desc(), col(Referral.id).desc()).limit(
        page.first + 1
    )
    rows = list(await session.exec(query))
    items = rows[: page.first]
    return Page(
        items=items,
        cursors=[encode_cursor([r.created_at, r.id]) for r in items],
        has_next_page=len(rows) > page.first,
        has_previous_page=page.after is not None,
    )


async def list_history(*, session: AsyncSession, referral_id: str) -> list[ReferralEvent]:
    """A referral's history in order (the caller has checked access)."""
    found = await session.exec(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(col(ReferralEvent.occurred_at), col(ReferralEvent.version))
    )
    return list(found)


async def list_notes(*, session: AsyncSession, referral_id: str) -> list[ReferralNote]:
    """A referral's notes, oldest first (the caller has checked access)."""
    found = await session.exec(
        select(ReferralNote)
        .where(ReferralNote.referral_id == referral_id)
        .order_by(col(ReferralNote.created_at))
    )
    return list(found)


async def needs_of(*, session: AsyncSession, referral_ids: Sequence[str]) -> dict[str, list[str]]:
    """Need codes per referral, for a batch of referrals."""
    result: dict[str, list[str]] = {rid: [] for rid in referral_ids}
    if not referral_ids:
        return result
    found = await session.exec(
        select(ReferralNeed).where(col(ReferralNeed.referral_id).in_(list(referral_ids)))
    )
    for row in found:
        result[row.referral_id].append(row.need_code)
    for codes in result.values():
        codes.sort()
    return result
