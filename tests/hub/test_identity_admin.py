"""Account administration by hub admins: accounts, auditors' networks, passwords, tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from hub.core.security import verify_password
from hub.identity.admin import (
    create_account,
    get_user,
    issue_user_token,
    list_tokens,
    list_users,
    reset_password,
    set_active,
    set_auditor_network,
)
from hub.identity.models import Network
from hub.identity.service import get_user_by_email, principal_for_token
from tests.builders import PASSWORD, make_person

CLOCK = FixedClock(datetime.now(UTC))


async def _can_sign_in(session: AsyncSession, email: str, password: str) -> bool:
    """What sign-in checks of the account (the login use case adds throttling on top)."""
    user = await get_user_by_email(session=session, email=email)
    await session.refresh(user)
    return user.is_active and verify_password(user.password_hash, password)


async def _network(session: AsyncSession, name: str = "Alameda Board") -> Network:
    network = Network(name=name)
    session.add(network)
    await session.flush()
    return network


async def test_a_hub_admin_creates_an_auditor_of_one_network(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    network = await _network(session)
    user = await create_account(
        session=session,
        actor=admin.principal,
        email="Board@Alameda.org",
        name="Grace",
        password=PASSWORD,
        is_auditor=True,
        auditor_network_id=network.id,
    )
    shown = await get_user(session=session, actor=admin.principal, user_id=user.id)
    assert (shown.email, shown.is_auditor, shown.auditor_network_id) == (
        "board@alameda.org",
        True,
        network.id,
    )
    listed = await list_users(session=session, actor=admin.principal, text="grace")
    assert [u.email for u in listed] == ["board@alameda.org"]


async def test_bad_account_requests_are_refused(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    coach = await make_person(session, "coach@a.org")
    with pytest.raises(Forbidden):
        await create_account(
            session=session, actor=coach.principal, email="x@a.org", name="X", password=PASSWORD
        )
    with pytest.raises(ValidationFailed) as unknown:
        await create_account(
            session=session,
            actor=admin.principal,
            email="x@a.org",
            name="X",
            password=PASSWORD,
            is_auditor=True,
            auditor_network_id=str(uuid.uuid4()),
        )
    assert unknown.value.errors[0].field == "network"
    with pytest.raises(ValidationFailed):
        await create_account(
            session=session,
            actor=admin.principal,
            email="x@a.org",
            name="X",
            password=PASSWORD,
            is_hub_admin=True,
            is_auditor=True,
        )
    assert [u.email for u in await list_users(session=session, actor=admin.principal)] == [
        "coach@a.org",
        "root@hub.org",
    ]


async def test_deactivating_ends_sessions_and_sign_in(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    person = await make_person(session, "coach@a.org")
    await set_active(
        session=session, actor=admin.principal, clock=CLOCK, user_id=person.user.id, active=False
    )
    with pytest.raises(Unauthenticated):
        await principal_for_token(session=session, token=person.token, clock=CLOCK)
    assert not await _can_sign_in(session, "coach@a.org", PASSWORD)
    with pytest.raises(ValidationFailed):
        await set_active(
            session=session, actor=admin.principal, clock=CLOCK, user_id=admin.user.id, active=False
        )
    await set_active(
        session=session, actor=admin.principal, clock=CLOCK, user_id=person.user.id, active=True
    )
    assert await _can_sign_in(session, "coach@a.org", PASSWORD)


async def test_a_reset_password_replaces_the_old_one_and_revokes_tokens(
    session: AsyncSession,
) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    person = await make_person(session, "coach@a.org")
    with pytest.raises(ValidationFailed):
        await reset_password(
            session=session,
            actor=admin.principal,
            clock=CLOCK,
            user_id=person.user.id,
            password="short",
        )
    await reset_password(
        session=session,
        actor=admin.principal,
        clock=CLOCK,
        user_id=person.user.id,
        password="a much longer new password",
    )
    with pytest.raises(Unauthenticated):
        await principal_for_token(session=session, token=person.token, clock=CLOCK)
    assert not await _can_sign_in(session, "coach@a.org", PASSWORD)
    assert await _can_sign_in(session, "coach@a.org", "a much longer new password")


async def test_tokens_are_issued_listed_without_values_and_auditors_moved(
    session: AsyncSession,
) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    person = await make_person(session, "coach@a.org")
    issued = await issue_user_token(
        session=session,
        actor=admin.principal,
        clock=CLOCK,
        user_id=person.user.id,
        name="reports",
        days=30,
    )
    found = await principal_for_token(session=session, token=issued.token, clock=CLOCK)
    assert found.user_id == person.user.id
    tokens = await list_tokens(session=session, actor=admin.principal, user_id=person.user.id)
    assert {t.name for t in tokens} == {"reports", "test"}
    assert issued.token not in repr(tokens)
    with pytest.raises(ValidationFailed):
        await issue_user_token(
            session=session,
            actor=admin.principal,
            clock=CLOCK,
            user_id=person.user.id,
            name="x",
            days=0,
        )
    with pytest.raises(NotFound):
        await list_tokens(session=session, actor=admin.principal, user_id=str(uuid.uuid4()))
    network = await _network(session)
    moved = await set_auditor_network(
        session=session, actor=admin.principal, user_id=person.user.id, network_id=network.id
    )
    assert (moved.is_auditor, moved.auditor_network_id) == (True, network.id)
