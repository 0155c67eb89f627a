"""Who may see and act on a referral, and the access log of every read of a client's data."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, NotFound
from hub.identity.models import NetworkOrganization
from hub.identity.principal import Principal
from referrals.models import AccessLog, Referral
from referrals.state_machine import SETTABLE_BY, ActorRole, ReferralStatus


def is_party(actor: Principal, referral: Referral) -> bool:
    """True for staff of the sending or (once sent) receiving organization, admins, the system."""
    if actor.is_hub_admin or actor.is_system:
        return True
    if actor.is_member(referral.sender_organization_id):
        return True
    return referral.sent_at is not None and actor.is_member(referral.receiver_organization_id)


def sees_personal_data(actor: Principal, referral: Referral) -> bool:
    """Parties see the client; auditors never do, even if they also hold a membership."""
    return is_party(actor, referral) and not actor.is_auditor


async def auditor_may_see(session: AsyncSession, actor: Principal, referral: Referral) -> bool:
    """Auditors see referrals touching their network (all referrals when they have none)."""
    if not actor.is_auditor:
        return False
    if actor.auditor_network_id is None:
        return True
    found = await session.exec(
        select(NetworkOrganization.organization_id).where(
            NetworkOrganization.network_id == actor.auditor_network_id,
            sa.or_(
                col(NetworkOrganization.organization_id) == referral.sender_organization_id,
                col(NetworkOrganization.organization_id) == referral.receiver_organization_id,
            ),
        )
    )
    return found.first() is not None


async def require_visible(session: AsyncSession, actor: Principal, referral: Referral) -> None:
    """Hide a referral from anyone who is neither a party nor an auditor of it (as NotFound)."""
    actor.require_authenticated()
    if is_party(actor, referral) or await auditor_may_see(session, actor, referral):
        return
    raise NotFound("Referral", referral.id)


def visibility_filter(actor: Principal) -> ColumnElement[bool]:
    """SQL condition selecting the referrals an actor may list."""
    if actor.is_hub_admin or actor.is_system:
        return sa.true()
    orgs = list(actor.organization_ids)
    conditions: list[ColumnElement[bool]] = [
        Referral.sender_organization_id.in_(orgs),  # type: ignore[attr-defined]
        sa.and_(
            Referral.receiver_organization_id.in_(orgs),  # type: ignore[attr-defined]
            Referral.sent_at.is_not(None),  # type: ignore[union-attr]
        ),
    ]
    if actor.is_auditor:
        if actor.auditor_network_id is None:
            return sa.true()
        members = select(NetworkOrganization.organization_id).where(
            NetworkOrganization.network_id == actor.auditor_network_id
        )
        conditions.append(Referral.sender_organization_id.in_(members))  # type: ignore[attr-defined]
        conditions.append(Referral.receiver_organization_id.in_(members))  # type: ignore[attr-defined]
    return sa.or_(*conditions)


def role_for(actor: Principal, referral: Referral, target: ReferralStatus) -> ActorRole:
    """The side an actor takes to set `target`; staff of both sides take the side that may."""
    if actor.is_system:
        return ActorRole.SYSTEM
    sender = actor.is_hub_admin or actor.is_member(referral.sender_organization_id)
    receiver = actor.is_hub_admin or (
        referral.sent_at is not None and actor.is_member(referral.receiver_organization_id)
    )
    if receiver and (target in SETTABLE_BY[ActorRole.RECEIVER] or not sender):
        return ActorRole.RECEIVER
    if sender:
        return ActorRole.SENDER
    raise NotFound("Referral", referral.id)


def acting_role(actor: Principal, referral: Referral) -> ActorRole:
    """The side an actor writes notes and reads as (sender first when on both sides)."""
    if actor.is_system:
        return ActorRole.SYSTEM
    if actor.is_hub_admin or actor.is_member(referral.sender_organization_id):
        return ActorRole.SENDER
    if referral.sent_at is not None and actor.is_member(referral.receiver_organization_id):
        return ActorRole.RECEIVER
    raise Forbidden("Only the sending or receiving organization's staff may do this.")


def log_access(
    session: AsyncSession,
    *,
    actor: Principal | None,
    client_id: str,
    referral_id: str | None,
    through: str,
    at: datetime,
) -> AccessLog:
    """Record one read of a client's personal data."""
    row = AccessLog(
        user_id=actor.user_id if actor is not None else None,
        actor_type="client" if actor is None else ("system" if actor.user_id is None else "user"),
        client_id=client_id,
        referral_id=referral_id,
        through=through[:100],
        accessed_at=at,
    )
    session.add(row)
    return row
