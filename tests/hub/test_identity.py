"""Identity: argon2 password hashes, hashed expiring tokens, login, principals from memberships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.db import SessionFactory
from hub.core.errors import ErrorCode, Forbidden, Unauthenticated, ValidationFailed
from hub.identity.models import ApiToken, OrgRole, User
from hub.identity.principal import ANONYMOUS, SYSTEM
from hub.identity.service import (
    LAST_USED_PRECISION,
    IssuedToken,
    authenticate_token,
    create_user,
    end_session,
    grant_membership,
    issue_token,
    login,
    principal_for_token,
    revoke_token,
)
from hub.identity.throttle import LoginThrottle
from providers.models import Organization

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


async def _org(session: AsyncSession, name: str = "Eastside CBO") -> Organization:
    org = Organization(name=name, description="A community organization.")
    session.add(org)
    await session.flush()
    return org


async def _member_with_token(
    session: AsyncSession, org: Organization, *, name: str, role: OrgRole, ttl: timedelta
) -> tuple[User, IssuedToken]:
    """A user with a role in `org` and a token issued at NOW (committed)."""
    user = await create_user(
        session=session, email=f"{name.lower()}@example.org", name=name, password="long enough pw"
    )
    await grant_membership(session=session, user_id=user.id, organization_id=org.id, role=role)
    issued = await issue_token(
        session=session, user=user, name="api", ttl=ttl, clock=FixedClock(NOW)
    )
    await session.commit()
    return user, issued


async def test_password_is_stored_as_argon2_hash_and_login_issues_token(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    user = await create_user(
        session=session, email="Coach@Example.org", name="Coach", password="correct horse battery"
    )
    await session.commit()
    assert user.email == "coach@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash

    issued = await login(
        session=session,
        email="coach@example.org",
        password="correct horse battery",
        ttl=timedelta(hours=1),
        clock=FixedClock(NOW),
        throttle=LoginThrottle(session_factory),
        client_address=None,
    )
    stored = (await session.exec(select(ApiToken))).one()
    assert issued.token.startswith("hub_")
    assert stored.token_hash != issued.token
    assert len(stored.token_hash) == 64
    assert stored.expires_at == NOW + timedelta(hours=1)


async def test_wrong_password_and_unknown_email_fail_alike(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    await create_user(session=session, email="a@example.org", name="A", password="long enough pw")
    await session.commit()  # login counts attempts in a transaction of its own
    messages = []
    for email, password in [("a@example.org", "wrong password"), ("nobody@example.org", "x" * 12)]:
        with pytest.raises(Unauthenticated) as caught:
            await login(
                session=session,
                email=email,
                password=password,
                ttl=timedelta(hours=1),
                clock=FixedClock(NOW),
                throttle=LoginThrottle(session_factory),
                client_address=None,
            )
        messages.append(caught.value.message)
    assert messages[0] == messages[1]


async def test_create_user_reports_every_bad_field(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create_user(session=session, email="not-an-email", name=" ", password="short")
    fields = {(e.field, e.code) for e in caught.value.errors}
    assert fields == {
        ("email", ErrorCode.INVALID),
        ("name", ErrorCode.REQUIRED),
        ("password", ErrorCode.INVALID),
    }
    assert (await session.exec(select(User))).all() == []


async def test_duplicate_email_is_refused(session: AsyncSession) -> None:
    await create_user(session=session, email="x@example.org", name="X", password="long enough pw")
    with pytest.raises(ValidationFailed) as caught:
        await create_user(
            session=session, email="X@example.org", name="X2", password="long enough pw"
        )
    assert caught.value.errors[0].code == ErrorCode.DUPLICATE


async def test_token_resolves_to_principal_with_memberships_until_expiry(
    session: AsyncSession,
) -> None:
    org = await _org(session)
    user, issued = await _member_with_token(
        session, org, name="Admin", role=OrgRole.ADMIN, ttl=timedelta(hours=2)
    )

    principal = await principal_for_token(
        session=session, token=issued.token, clock=FixedClock(NOW + timedelta(hours=1))
    )
    assert principal.user_id == user.id
    assert principal.can_manage_organization(org.id)
    assert not principal.can_manage_organization("some-other-org")

    with pytest.raises(Unauthenticated):
        await principal_for_token(
            session=session, token=issued.token, clock=FixedClock(NOW + timedelta(hours=2))
        )


async def test_revoked_and_forged_tokens_are_refused(session: AsyncSession) -> None:
    user = await create_user(
        session=session, email="s@example.org", name="S", password="long enough pw"
    )
    issued = await issue_token(
        session=session, user=user, name="cli", ttl=timedelta(days=1), clock=FixedClock(NOW)
    )
    principal = await principal_for_token(
        session=session, token=issued.token, clock=FixedClock(NOW)
    )
    await revoke_token(
        session=session, actor=principal, token_id=issued.record.id, clock=FixedClock(NOW)
    )
    await session.commit()
    for token in (issued.token, issued.token + "x", "hub_forged"):
        with pytest.raises(Unauthenticated):
            await principal_for_token(session=session, token=token, clock=FixedClock(NOW))


def test_role_checks() -> None:
    with pytest.raises(Unauthenticated):
        ANONYMOUS.require_manage("org-1")
    SYSTEM.require_manage("org-1")
    from hub.identity.principal import Principal

    staff = Principal(user_id="u1", name="Staff", org_roles={"org-1": OrgRole.STAFF})
    staff.require_staff()
    with pytest.raises(Forbidden):
        staff.require_manage("org-1")
    auditor = Principal(user_id="u2", name="Auditor", is_auditor=True)
    with pytest.raises(Forbidden):
        auditor.require_staff()
    with pytest.raises(Forbidden):
        auditor.require_hub_admin()


async def test_a_request_check_resolves_the_principal_and_rarely_writes(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    org = await _org(session)
    user, issued = await _member_with_token(
        session, org, name="Rita", role=OrgRole.STAFF, ttl=timedelta(days=1)
    )

    async def last_used() -> datetime | None:
        async with session_factory() as reader:
            record = await reader.get(ApiToken, issued.record.id)
            assert record is not None
            return record.last_used_at

    principal = await authenticate_token(
        factory=session_factory, token=issued.token, clock=FixedClock(NOW)
    )
    assert principal.org_roles == {org.id: OrgRole.STAFF}
    assert (principal.user_id, principal.name) == (user.id, "Rita")
    assert await last_used() == NOW
    # Used again within the precision: the same principal, nothing written.
    soon = NOW + LAST_USED_PRECISION - timedelta(seconds=1)
    again = await authenticate_token(
        factory=session_factory, token=issued.token, clock=FixedClock(soon)
    )
    assert again == principal
    assert await last_used() == NOW
    later = NOW + LAST_USED_PRECISION
    await authenticate_token(factory=session_factory, token=issued.token, clock=FixedClock(later))
    assert await last_used() == later

    user.is_active = False
    session.add(user)
    await session.commit()
    with pytest.raises(Unauthenticated):
        await authenticate_token(
            factory=session_factory, token=issued.token, clock=FixedClock(later)
        )


async def test_a_console_session_ends_when_idle_and_at_sign_out(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    org = await _org(session)
    _user, issued = await _member_with_token(
        session, org, name="Ines", role=OrgRole.STAFF, ttl=timedelta(hours=12)
    )
    idle = timedelta(minutes=30)

    async def check(at: datetime) -> None:
        await authenticate_token(
            factory=session_factory, token=issued.token, clock=FixedClock(at), idle=idle
        )

    # Never used: idle counts from its creation.
    with pytest.raises(Unauthenticated):
        await check(NOW + idle + timedelta(seconds=1))
    await check(NOW + idle - timedelta(seconds=1))
    # Each use moves the idle window on (to within LAST_USED_PRECISION).
    used = NOW + idle - timedelta(seconds=1)
    await check(used + idle - LAST_USED_PRECISION)
    last = used + idle - LAST_USED_PRECISION
    with pytest.raises(Unauthenticated):
        await check(last + idle + timedelta(seconds=1))
    # Without an idle limit (a Bearer token) the same token still works until it expires.
    await authenticate_token(
        factory=session_factory, token=issued.token, clock=FixedClock(NOW + timedelta(hours=11))
    )
    # Signing out revokes it for good.
    async with session_factory() as writer:
        await end_session(session=writer, token=issued.token, clock=FixedClock(NOW))
        await end_session(session=writer, token="hub_unknown", clock=FixedClock(NOW))
        await writer.commit()
    with pytest.raises(Unauthenticated):
        await authenticate_token(
            factory=session_factory, token=issued.token, clock=FixedClock(NOW + timedelta(hours=1))
        )
