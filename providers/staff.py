"""Hub admins tie users to organizations (admin or staff) and pick organizations by name."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import NotFound
from hub.identity.models import Membership, OrgRole, User
from hub.identity.principal import Principal
from hub.identity.service import grant_membership
from providers.models import Organization


@dataclass(frozen=True, slots=True)
class OrganizationChoice:
    """An organization as a choice in a form."""

    id: str
    name: str


async def organization_choices(
    *, session: AsyncSession, actor: Principal, text: str = "", limit: int = 500
) -> list[OrganizationChoice]:
    """Organizations by name (optionally containing `text`), for hub admins' forms."""
    actor.require_hub_admin()
    stmt = (
        select(Organization.id, Organization.name)
        .order_by(col(Organization.name), col(Organization.id))
        .limit(max(1, min(limit, 2000)))
    )
    text = text.strip().lower()[:100].replace("%", "").replace("_", "")
    if text:
        stmt = stmt.where(sa.func.lower(col(Organization.name)).like(f"%{text}%"))
    return [OrganizationChoice(str(i), str(n)) for i, n in (await session.exec(stmt)).all()]


async def grant_role(
    *, session: AsyncSession, actor: Principal, user_id: str, organization_id: str, role: OrgRole
) -> Membership:
    """Make a user admin or staff of an organization (hub admins only)."""
    actor.require_hub_admin()
    if await session.get(User, user_id) is None:
        raise NotFound("User", user_id)
    if await session.get(Organization, organization_id) is None:
        raise NotFound("Organization", organization_id)
    return await grant_membership(
        session=session, user_id=user_id, organization_id=organization_id, role=role
    )


async def revoke_role(
    *, session: AsyncSession, actor: Principal, user_id: str, organization_id: str
) -> bool:
    """Take a user out of an organization (hub admins only); False when not a member."""
    actor.require_hub_admin()
    found = await session.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == organization_id
        )
    )
    membership = found.first()
    if membership is None:
        return False
    await session.delete(membership)
    await session.flush()
    return True
