"""Account administration by hub admins: list, create, deactivate, reset passwords, tokens.

Every function checks that the actor is a hub admin (or the system, e.g. the `hub` command).
Passwords and token values are never returned except the one freshly issued token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.core.security import hash_password
from hub.identity.models import ApiToken, Membership, Network, OrgRole, User
from hub.identity.principal import Principal
from hub.identity.service import MIN_PASSWORD_LENGTH, IssuedToken, create_user, issue_token

MAX_TOKEN_DAYS = 366


@dataclass(frozen=True, slots=True)
class UserSummary:
    """A user as the administration pages list them (no password, no token values)."""

    id: str
    email: str
    name: str
    is_active: bool
    is_hub_admin: bool
    is_auditor: bool
    auditor_network_id: str | None
    memberships: tuple[tuple[str, OrgRole], ...]


@dataclass(frozen=True, slots=True)
class TokenSummary:
    """An API token's record, without its value."""

    id: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


async def list_users(
    *, session: AsyncSession, actor: Principal, text: str = "", limit: int = 200
) -> list[UserSummary]:
    """Users by email, optionally those whose email or name contains `text`."""
    actor.require_hub_admin()
    stmt = select(User).order_by(col(User.email)).limit(max(1, min(limit, 1000)))
    text = text.strip().lower()[:100]
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            sa.or_(col(User.email).like(pattern), sa.func.lower(col(User.name)).like(pattern))
        )
    users = list((await session.exec(stmt)).all())
    roles: dict[str, list[tuple[str, OrgRole]]] = {}
    if users:
        found = await session.exec(
            select(Membership).where(col(Membership.user_id).in_([u.id for u in users]))
        )
        for m in found.all():
            roles.setdefault(m.user_id, []).append((m.organization_id, OrgRole(m.role)))
    return [_summary(u, roles.get(u.id, [])) for u in users]


def _summary(user: User, roles: list[tuple[str, OrgRole]]) -> UserSummary:
    return UserSummary(
        id=user.id,
        email=user.email,
        name=user.name,
        is_active=user.is_active,
        is_hub_admin=user.is_hub_admin,
        is_auditor=user.is_auditor,
        auditor_network_id=user.auditor_network_id,
        memberships=tuple(sorted(roles)),
    )


async def get_user(*, session: AsyncSession, actor: Principal, user_id: str) -> UserSummary:
    """One user with memberships (hub admins only)."""
    actor.require_hub_admin()
    user = await _user(session, user_id)
    found = await session.exec(select(Membership).where(Membership.user_id == user.id))
    return _summary(user, [(m.organization_id, OrgRole(m.role)) for m in found.all()])


async def _user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User", user_id)
    return user


async def _check_network(session: AsyncSession, network_id: str | None) -> None:
    if network_id is not None and await session.get(Network, network_id) is None:
        raise ValidationFailed.single("network", ErrorCode.NOT_FOUND, "There is no such network.")


async def create_account(
    *,
    session: AsyncSession,
    actor: Principal,
    email: str,
    name: str,
    password: str,
    is_hub_admin: bool = False,
    is_auditor: bool = False,
    auditor_network_id: str | None = None,
) -> User:
    """Create a user as a hub admin; an auditor may be tied to one network."""
    actor.require_hub_admin()
    if is_hub_admin and is_auditor:
        raise ValidationFailed.single(
            "role", ErrorCode.INVALID, "Choose hub admin or auditor, not both."
        )
    if auditor_network_id is not None and not is_auditor:
        raise ValidationFailed.single(
            "network", ErrorCode.INVALID, "Only an auditor is tied to a network."
        )
    await _check_network(session, auditor_network_id)
    return await create_user(
        session=session,
        email=email,
        name=name,
        password=password,
        is_hub_admin=is_hub_admin,
        is_auditor=is_auditor,
        auditor_network_id=auditor_network_id,
    )


async def set_auditor_network(
    *, session: AsyncSession, actor: Principal, user_id: str, network_id: str | None
) -> User:
    """Make a user an auditor of one network (None: of every network)."""
    actor.require_hub_admin()
    user = await _user(session, user_id)
    await _check_network(session, network_id)
    user.is_auditor = True
    user.auditor_network_id = network_id
    session.add(user)
    await session.flush()
    return user


async def set_active(
    *, session: AsyncSession, actor: Principal, clock: Clock, user_id: str, active: bool
) -> User:
    """Deactivate (revoking every token) or reactivate a user; nobody deactivates themself."""
    actor.require_hub_admin()
    user = await _user(session, user_id)
    if not active and user.id == actor.user_id:
        raise ValidationFailed.single(
            "user", ErrorCode.INVALID, "You cannot deactivate your own account."
        )
    user.is_active = active
    session.add(user)
    if not active:
        await _revoke_all(session, user.id, clock.now())
    await session.flush()
    return user


async def _revoke_all(session: AsyncSession, user_id: str, now: datetime) -> None:
    tokens = await session.exec(
        select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
    )
    for token in tokens.all():
        token.revoked_at = now
        session.add(token)


async def reset_password(
    *, session: AsyncSession, actor: Principal, clock: Clock, user_id: str, password: str
) -> User:
    """Set a new password and end the user's sessions and tokens."""
    actor.require_hub_admin()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.single(
            "password",
            ErrorCode.INVALID,
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.",
        )
    user = await _user(session, user_id)
    user.password_hash = hash_password(password)
    session.add(user)
    await _revoke_all(session, user.id, clock.now())
    await session.flush()
    return user


async def list_tokens(
    *, session: AsyncSession, actor: Principal, user_id: str
) -> list[TokenSummary]:
    """A user's API tokens, newest first, without their values."""
    actor.require_hub_admin()
    await _user(session, user_id)
    found = await session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(col(ApiToken.created_at).desc())
    )
    return [
        TokenSummary(t.id, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at)
        for t in found.all()
    ]


async def issue_user_token(
    *, session: AsyncSession, actor: Principal, clock: Clock, user_id: str, name: str, days: int
) -> IssuedToken:
    """Issue an API token for a user (its value is shown once)."""
    actor.require_hub_admin()
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed.single(
            "days", ErrorCode.OUT_OF_RANGE, f"Give 1 to {MAX_TOKEN_DAYS} days."
        )
    if not name.strip():
        raise ValidationFailed.single("name", ErrorCode.REQUIRED, "Name the token.")
    user = await _user(session, user_id)
    if not user.is_active:
        raise ValidationFailed.single("user", ErrorCode.INVALID, "The user is deactivated.")
    return await issue_token(
        session=session, user=user, name=name.strip(), ttl=timedelta(days=days), clock=clock
    )
