"""Invitations: a one-time link that lets a person set a password and join an organization.

The link's token is stored hashed (like API tokens), expires, and works once. Creating one is
a hub admin's act that names an organization, so it lives in `providers.invitations`; opening
and accepting one need no account, so they live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import NotFound
from hub.core.model_base import enum_type, fk_field, id_field, optional_utc_field, utc_field
from hub.core.security import hash_token, new_token
from hub.identity.models import OrgRole, User
from hub.identity.service import create_user, grant_membership

TOKEN_PREFIX = "inv"  # noqa: S105 - a label in front of the random part, not a secret


class Invitation(SQLModel, table=True):
    """A pending (or used) invitation to join an organization in a role."""

    __tablename__ = "invitation"

    id: str = id_field()
    email: str = Field(max_length=255, index=True)
    name: str = Field(max_length=255)
    organization_id: str = fk_field("organization.id", nullable=False)
    role: OrgRole = Field(default=OrgRole.ADMIN, sa_type=enum_type(OrgRole))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    accepted_at: datetime | None = optional_utc_field()
    accepted_user_id: str | None = fk_field("user_account.id", ondelete="SET NULL")


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A fresh invitation and its link token (shown or sent once, never stored)."""

    token: str
    invitation: Invitation


def new_invitation_token() -> tuple[str, str]:
    """A fresh invitation token and the digest to store."""
    return new_token(TOKEN_PREFIX)


async def open_invitation(*, session: AsyncSession, clock: Clock, token: str) -> Invitation:
    """The invitation behind a link; unknown, used and expired links are refused alike."""
    if not token.startswith(f"{TOKEN_PREFIX}_") or len(token) > 100:
        raise NotFound("Invitation", "link")
    found = await session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    invitation = found.first()
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("Invitation", "link")
    if invitation.expires_at <= clock.now():
        raise NotFound("Invitation", "link")
    return invitation


async def accept_invitation(
    *, session: AsyncSession, clock: Clock, token: str, name: str, password: str
) -> User:
    """Use a link once: create the account (or reuse one with that email) and join the org."""
    invitation = await open_invitation(session=session, clock=clock, token=token)
    found = await session.exec(select(User).where(User.email == invitation.email))
    user = found.first()
    if user is None:
        user = await create_user(
            session=session, email=invitation.email, name=name or invitation.name, password=password
        )
    elif not user.is_active:
        raise NotFound("Invitation", "link")
    await grant_membership(
        session=session,
        user_id=user.id,
        organization_id=invitation.organization_id,
        role=invitation.role,
    )
    invitation.accepted_at = clock.now()
    invitation.accepted_user_id = user.id
    session.add(invitation)
    await session.flush()
    return user
