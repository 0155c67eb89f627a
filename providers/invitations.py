"""Hub admins invite a person to run an organization's listings (a one-time emailed link)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Collector, ErrorCode, NotFound
from hub.identity.invitations import Invitation, IssuedInvitation, new_invitation_token
from hub.identity.models import OrgRole
from hub.identity.principal import Principal
from providers.models import Organization

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_TTL = timedelta(days=7)


async def invite(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    email: str,
    name: str,
    organization_id: str,
    role: OrgRole = OrgRole.ADMIN,
    ttl: timedelta = DEFAULT_TTL,
) -> tuple[IssuedInvitation, str]:
    """Invite someone into an organization (hub admins only); the link token and org name."""
    actor.require_hub_admin()
    errors = Collector()
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        errors.add("email", ErrorCode.INVALID, "Give a valid email address.")
    if not name.strip() or len(name) > 255:
        errors.add("name", ErrorCode.REQUIRED, "Give a name of 1 to 255 characters.")
    errors.raise_if_any()
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization", organization_id)
    plain, digest = new_invitation_token()
    now = clock.now()
    invitation = Invitation(
        email=email,
        name=name.strip(),
        organization_id=organization.id,
        role=role,
        token_hash=digest,
        invited_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invitation)
    await session.flush()
    return IssuedInvitation(plain, invitation), organization.name
