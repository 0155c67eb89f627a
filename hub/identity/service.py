"""Identity use cases: create users, grant roles, sign in, issue, resolve and revoke tokens."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.errors import Collector, ErrorCode, NotFound, Unauthenticated, ValidationFailed
from hub.core.guarded_writes import WriteStep
from hub.core.security import hash_password, hash_token, new_token, verify_password
from hub.core.unit_of_work import SessionStatements, Statements, run_unit
from hub.identity.models import ApiToken, Membership, OrgRole, User
from hub.identity.principal import Principal
from hub.identity.throttle import LoginThrottle

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
    *,
    session: AsyncSession,
    email: str,
    password: str,
    ttl: timedelta,
    clock: Clock,
    throttle: LoginThrottle,
    client_address: str | None,
) -> IssuedToken:
    """Check a password and issue a session token; a wrong email or password look the same.

    Every attempt is counted per account and per client address first (TooManyAttempts, an
    Unauthenticated with code RATE_LIMITED, over the limits), and an unknown email costs the
    same password hash as a known one, so timing does not tell which accounts exist.
    """
    email = email.strip().lower()
    await throttle.count_attempt(email=email, address=client_address, now=clock.now())
    found = await session.exec(select(User).where(User.email == email))
    user = found.first()
    if user is None:
        verify_password(_dummy_hash(), password)
        raise Unauthenticated("The email or password is wrong.")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise Unauthenticated("The email or password is wrong.")
    await throttle.succeeded(session=session, email=email, address=client_address, now=clock.now())
    return await issue_token(session=session, user=user, name="login", ttl=ttl, clock=clock)


@cache
def _dummy_hash() -> str:
    # Hashed once per process with the same parameters as real passwords.
    return hash_password(secrets.token_urlsafe(16))


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


# "Last used" is kept to within this much: a token used again sooner is not written, so
# authenticating a request is a read (on SQLite it would otherwise take the write lock).
LAST_USED_PRECISION = timedelta(minutes=5)

_TOKEN: sa.Table = ApiToken.__table__  # type: ignore[attr-defined]
_USER: sa.Table = User.__table__  # type: ignore[attr-defined]
_MEMBERSHIP: sa.Table = Membership.__table__  # type: ignore[attr-defined]
_TOKEN_AND_USER = (
    sa.select(
        _TOKEN.c.id.label("token_id"),
        _TOKEN.c.user_id,
        _TOKEN.c.expires_at,
        _TOKEN.c.revoked_at,
        _TOKEN.c.last_used_at,
        _TOKEN.c.created_at,
        _USER.c.name,
        _USER.c.is_active,
        _USER.c.is_hub_admin,
        _USER.c.is_auditor,
        _USER.c.auditor_network_id,
    )
    .join(_USER, _USER.c.id == _TOKEN.c.user_id)
    .where(_TOKEN.c.token_hash == sa.bindparam("token_hash"))
)
_ROLES = sa.select(_MEMBERSHIP.c.organization_id, _MEMBERSHIP.c.role).where(
    _MEMBERSHIP.c.user_id == sa.bindparam("user_id")
)
_TOUCH = (
    sa.update(_TOKEN)
    .where(_TOKEN.c.id == sa.bindparam("where_id"))
    .values(last_used_at=sa.bindparam("set_last_used_at"))
)


def resolve_token(
    db: Statements, *, token: str, now: datetime, idle: timedelta | None = None
) -> Principal:
    """Resolve a bearer token; unknown, expired, revoked and idle tokens are all refused alike.

    `idle` (for console sessions) refuses a token unused for longer than that; "used" is known
    to within `LAST_USED_PRECISION`, so idle limits are much longer than it.
    """
    found = db.fetch_one(_TOKEN_AND_USER, {"token_hash": hash_token(token)})
    if (
        found is None
        or found["revoked_at"] is not None
        or found["expires_at"] <= now
        or not found["is_active"]
        or (idle is not None and now - (found["last_used_at"] or found["created_at"]) > idle)
    ):
        raise Unauthenticated("The token is unknown, expired or revoked.")
    last_used = found["last_used_at"]
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        db.write([WriteStep(_TOUCH, {"where_id": found["token_id"], "set_last_used_at": now})])
    roles = db.fetch_all(_ROLES, {"user_id": found["user_id"]})
    return Principal(
        user_id=found["user_id"],
        name=found["name"],
        is_hub_admin=found["is_hub_admin"],
        is_auditor=found["is_auditor"],
        auditor_network_id=found["auditor_network_id"],
        org_roles={r["organization_id"]: r["role"] for r in roles},
    )


async def principal_for_token(*, session: AsyncSession, token: str, clock: Clock) -> Principal:
    """`resolve_token` in the session's transaction."""
    now = clock.now()
    return await session.run_sync(
        lambda sync: resolve_token(SessionStatements(sync), token=token, now=now)
    )


async def authenticate_token(
    *, factory: SessionFactory, token: str, clock: Clock, idle: timedelta | None = None
) -> Principal:
    """`resolve_token` in a transaction of its own (one trip on SQLite): each request's check."""
    now = clock.now()
    return await run_unit(factory, lambda db: resolve_token(db, token=token, now=now, idle=idle))


async def end_session(*, session: AsyncSession, token: str, clock: Clock) -> None:
    """Revoke the token behind a signed-in session (sign-out); unknown tokens are ignored."""
    found = await session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    record = found.first()
    if record is not None and record.revoked_at is None:
        record.revoked_at = clock.now()
        session.add(record)
