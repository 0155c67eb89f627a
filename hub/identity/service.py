"""Identity use cases: create users, grant roles, sign in, issue, resolve and revoke tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Collector, ErrorCode, NotFound, Unauthenticated, ValidationFailed
from hub.core.security import hash_password, hash_token, new_token, verify_password
from hub.identity.models import ApiToken, Membership, OrgRole, User
from hub.identity.principal import Principal

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token: the plain value is shown once and never stored."""

    token: str
    record: ApiToken


async def create_user(
    *,
    session: AsyncSession,
    email: str,
    name: str,
    password: str,
    is_hub_admin: bool = False,
    is_auditor: bool = False,
    auditor_network_id: str | None = None,
) -> User:
    """Create a user with an argon2-hashed password."""
    errors = Collector()
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        errors.add("email", ErrorCode.INVALID, "Give a valid email address.")
    if not name.strip() or len(name) > 255:
        errors.add("name", ErrorCode.REQUIRED, "Give a name of 1 to 255 characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.add(
            "password",
            ErrorCode.INVALID,
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.",
        )
    errors.raise_if_any()
    existing = await session.exec(select(User).where(User.email == email))
    if existing.first() is not None:
        raise ValidationFailed.single("email", ErrorCode.DUPLICATE, "That email is taken.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        is_hub_admin=is_hub_admin,
        is_auditor=is_auditor,
        auditor_network_id=auditor_network_id,
    )
    session.add(user)
    await session.flush()
    return user


async def grant_membership(
    *, session: AsyncSession, user_id: str, organization_id: str, role: OrgRole
) -> Membership:
    """Make a user admin or staff of an organization (replacing an earlier role)."""
    found = await session.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == organization_id
        )
    )
    membership = found.first()
    if membership is None:
        membership = Membership(user_id=user_id, organization_id=organization_id, role=role)
    else:
        membership.role = role
    session.add(membership)
    await session.flush()
    return membership


async def get_user_by_email(*, session: AsyncSession, email: str) -> User:
    """Find a user by email."""
    found = await session.exec(select(User).where(User.email == email.strip().lower()))
    user = found.first()
    if user is None:
        raise NotFound("User", email)
    return user


async def issue_token(
    *, session: AsyncSession, user: User, name: str, ttl: timedelta, clock: Clock
) -> IssuedToken:
    """Issue an expiring API token for a user; the plain value is returned once."""
    if ttl <= timedelta(0):
        raise ValidationFailed.single("ttl", ErrorCode.OUT_OF_RANGE, "A token must live > 0s.")
    plain, digest = new_token("hub")
    now = clock.now()
    record = ApiToken(
        user_id=user.id, name=name[:100], token_hash=digest, created_at=now, expires_at=now + ttl
    )
    session.add(record)
    await session.flush()
    return IssuedToken(token=plain, record=record)


async def login(
    *, session: AsyncSession, email: str, password: str, ttl: timedelta, clock: Clock
) -> IssuedToken:
    """Check a password and issue a session token; a wrong email or password look the same."""
    found = await session.exec(select(User).where(User.email == email.strip().lower()))
    user = found.first()
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthenticated("The email or password is wrong.")
    return await issue_token(session=session, user=user, name="login", ttl=ttl, clock=clock)


async def revoke_token(
    *, session: AsyncSession, actor: Principal, token_id: str, clock: Clock
) -> None:
    """Revoke one of the actor's tokens (hub admins may revoke any)."""
    actor.require_authenticated()
    record = await session.get(ApiToken, token_id)
    if record is None or (record.user_id != actor.user_id and not actor.is_hub_admin):
        raise NotFound("ApiToken", token_id)
    record.revoked_at = clock.now()
    session.add(record)


async def principal_for_user(*, session: AsyncSession, user: User) -> Principal:
    """Build the principal of a user from its flags and memberships."""
    rows = await session.exec(select(Membership).where(Membership.user_id == user.id))
    return Principal(
        user_id=user.id,
        name=user.name,
        is_hub_admin=user.is_hub_admin,
        is_auditor=user.is_auditor,
        auditor_network_id=user.auditor_network_id,
        org_roles={m.organization_id: m.role for m in rows},
    )


async def principal_for_token(*, session: AsyncSession, token: str, clock: Clock) -> Principal:
    """Resolve a bearer token; unknown, expired and revoked tokens are all refused alike."""
    found = await session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    record = found.first()
    now = clock.now()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise Unauthenticated("The token is unknown, expired or revoked.")
    user = await session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("The token is unknown, expired or revoked.")
    record.last_used_at = now
    session.add(record)
    return await principal_for_user(session=session, user=user)
