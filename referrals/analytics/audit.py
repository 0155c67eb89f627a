"""Audit trails: de-identified referral history, the directory change log, the client access log.

De-identified means: the referral is named by a keyed hash (stable within a hub, useless
elsewhere and not reversible without the hub's secret), never by its id; no client id, no
user id, no free text (reasons become codes, details are dropped). The access log names
clients and users, so only hub admins read it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.paging import Page, PageRequest, decode_cursor, encode_cursor
from hub.identity.principal import Principal
from providers.models import Metadata
from referrals.analytics.change_names import owned_by, people, resource_names
from referrals.analytics.labels import Labeler
from referrals.analytics.models import ReasonCode
from referrals.analytics.refresh import run
from referrals.analytics.report import ReportQuery
from referrals.analytics.scope import require_hub_admin_reader, resolve_scope
from referrals.models import AccessLog, Referral, ReferralEvent

_e: sa.Table = ReferralEvent.__table__  # type: ignore[attr-defined]
_r: sa.Table = Referral.__table__  # type: ignore[attr-defined]
_m: sa.Table = Metadata.__table__  # type: ignore[attr-defined]
_a: sa.Table = AccessLog.__table__  # type: ignore[attr-defined]


def pseudonym(key: bytes, referral_id: str) -> str:
    """A stable opaque name for a referral: HMAC-SHA256 under the hub's secret, 20 hex digits."""
    return hmac.new(key, referral_id.encode(), hashlib.sha256).hexdigest()[:20]


def reason_code(reason: str | None) -> ReasonCode | None:
    """A free-text reason reduced to a code (`other` unless it is exactly a known code)."""
    if reason is None or not reason.strip():
        return None
    text = reason.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return ReasonCode(text)
    except ValueError:
        return ReasonCode.OTHER


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One referral history entry without anything that names or describes the client."""

    referral_key: str
    kind: str
    actor_role: str
    actor_type: str
    from_status: str | None
    to_status: str | None
    outcome: str | None
    reason_code: str | None
    sender_organization_id: str
    sender_organization_name: str
    receiver_organization_id: str
    receiver_organization_name: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """Who changed which field of which listing, when (values are left out)."""

    resource_type: str
    resource_id: str
    field_name: str
    action: str
    changed_by: str
    changed_at: datetime
    # The record's name (or its service's or location's; '' once deleted) and the person's.
    resource_name: str = ""
    changed_by_name: str = ""


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One read of a client's personal data."""

    user_id: str | None
    actor_type: str
    client_id: str
    referral_id: str | None
    through: str
    accessed_at: datetime


def _after(
    request: PageRequest, at: sa.ColumnElement[Any], ident: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    if request.after is None:
        return sa.true()
    when, last = decode_cursor(request.after, 2)
    if not isinstance(when, datetime) or not isinstance(last, str):
        raise ValidationFailed.single("after", ErrorCode.INVALID, "The cursor is not valid here.")
    return sa.or_(at > when, sa.and_(at == when, ident > last))


def _page(rows: list[Any], request: PageRequest, items: list[Any]) -> Page[Any]:
    kept = rows[: request.first]
    return Page(
        items=items[: request.first],
        cursors=[encode_cursor([r.at, r.ident]) for r in kept],
        has_next_page=len(rows) > request.first,
        has_previous_page=request.after is not None,
    )


async def audit_events(
    *,
    session: AsyncSession,
    actor: Principal,
    query: ReportQuery,
    page: PageRequest,
    pseudonym_key: bytes,
) -> Page[AuditEvent]:
    """De-identified referral history in the scope and date range, oldest first."""
    query.validate()
    page.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    stmt = (
        sa.select(
            _e.c.occurred_at.label("at"),
            _e.c.id.label("ident"),
            _e.c.referral_id,
            _e.c.kind,
            _e.c.role,
            _e.c.actor_type,
            _e.c.from_status,
            _e.c.to_status,
            _e.c.outcome,
            _e.c.reason,
            _r.c.sender_organization_id,
            _r.c.receiver_organization_id,
        )
        .select_from(_e.join(_r, _r.c.id == _e.c.referral_id))
        .where(
            _e.c.occurred_at >= query.start,
            _e.c.occurred_at < query.end,
            scope.referral_filter(_r.c.sender_organization_id, _r.c.receiver_organization_id),
            _after(page, _e.c.occurred_at, _e.c.id),
        )
        .order_by(_e.c.occurred_at, _e.c.id)
        .limit(page.first + 1)
    )
    rows = list((await run(session, stmt)).all())
    names = await Labeler(session).organizations(
        [x for r in rows for x in (r.sender_organization_id, r.receiver_organization_id)]
    )
    items = []
    for r in rows:
        code = reason_code(r.reason)
        items.append(
            AuditEvent(
                referral_key=pseudonym(pseudonym_key, r.referral_id),
                kind=str(r.kind),
                actor_role=str(r.role),
                actor_type=str(r.actor_type),
                from_status=r.from_status,
                to_status=r.to_status,
                outcome=r.outcome,
                reason_code=code.value if code else None,
                sender_organization_id=r.sender_organization_id,
                sender_organization_name=names[r.sender_organization_id],
                receiver_organization_id=r.receiver_organization_id,
                receiver_organization_name=names[r.receiver_organization_id],
                occurred_at=r.at,
            )
        )
    return _page(rows, page, items)


async def change_log(
    *, session: AsyncSession, actor: Principal, query: ReportQuery, page: PageRequest
) -> Page[ChangeEntry]:
    """The directory's per-field change log in scope, oldest first."""
    query.validate()
    page.validate()
    scope = await resolve_scope(session=session, actor=actor, network_id=query.network_id)
    owned = (
        sa.true()
        if scope.organization_ids is None
        else owned_by(_m, sorted(scope.organization_ids))
    )
    stmt = (
        sa.select(
            _m.c.last_action_date.label("at"),
            _m.c.id.label("ident"),
            _m.c.resource_type,
            _m.c.resource_id,
            _m.c.field_name,
            _m.c.last_action_type,
            _m.c.updated_by,
        )
        .where(
            _m.c.last_action_date >= query.start,
            _m.c.last_action_date < query.end,
            owned,
            _after(page, _m.c.last_action_date, _m.c.id),
        )
        .order_by(_m.c.last_action_date, _m.c.id)
        .limit(page.first + 1)
    )
    rows = list((await run(session, stmt)).all())
    names = await resource_names(session, rows[: page.first])
    who = await people(session, [r.updated_by for r in rows[: page.first]])
    items = [
        ChangeEntry(
            resource_type=r.resource_type,
            resource_id=r.resource_id,
            field_name=r.field_name,
            action=r.last_action_type,
            changed_by=r.updated_by,
            changed_at=r.at,
            resource_name=names.get((r.resource_type, r.resource_id), ""),
            changed_by_name=who.get(r.updated_by, r.updated_by),
        )
        for r in rows
    ]
    return _page(rows, page, items)


async def access_log(
    *, session: AsyncSession, actor: Principal, query: ReportQuery, page: PageRequest
) -> Page[AccessEntry]:
    """Who read which client's data, oldest first (hub admins only)."""
    require_hub_admin_reader(actor)
    query.validate()
    page.validate()
    stmt = (
        sa.select(
            _a.c.accessed_at.label("at"),
            _a.c.id.label("ident"),
            _a.c.user_id,
            _a.c.actor_type,
            _a.c.client_id,
            _a.c.referral_id,
            _a.c.through,
        )
        .where(
            _a.c.accessed_at >= query.start,
            _a.c.accessed_at < query.end,
            _after(page, _a.c.accessed_at, _a.c.id),
        )
        .order_by(_a.c.accessed_at, _a.c.id)
        .limit(page.first + 1)
    )
    rows = list((await run(session, stmt)).all())
    items = [
        AccessEntry(
            user_id=r.user_id,
            actor_type=r.actor_type,
            client_id=r.client_id,
            referral_id=r.referral_id,
            through=r.through,
            accessed_at=r.at,
        )
        for r in rows
    ]
    return _page(rows, page, items)
