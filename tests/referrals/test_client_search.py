"""Finding a returning client: name, phone or email, only within the searcher's organizations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, NotFound, ValidationFailed
from hub.identity.principal import Principal
from referrals.client_search import search_clients
from referrals.clients import ClientData, create_client
from referrals.models import AccessLog
from tests.referrals.builders import CLOCK, make_staff, make_world


async def _search(session: AsyncSession, actor: Principal, text: str, **extra: Any) -> list[str]:
    found = await search_clients(
        session=session,
        actor=actor,
        clock=CLOCK,
        text=text,
        **extra,
    )
    return [c.name for c in found]


async def test_name_phone_and_email_find_the_client_of_ones_own_organization(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    await create_client(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        data=ClientData(organization_id=world.sender_org.id, name="Mario Lopez-Diaz"),
    )
    # A client of another organization with the same name is never found by the sender.
    await create_client(
        session=session,
        actor=world.outsider,
        clock=CLOCK,
        data=ClientData(organization_id=world.other_org.id, name="Maria Lopez", phone="5550102000"),
    )
    await session.commit()
    assert await _search(session, world.sender, "lopez") == ["Maria Lopez", "Mario Lopez-Diaz"]
    assert await _search(session, world.sender, "  MARIA   lopez ") == ["Maria Lopez"]
    # Stored as "+1 555 010 2000": typed with other punctuation, the digits still match.
    assert await _search(session, world.sender, "(555) 010-2000") == ["Maria Lopez"]
    assert await _search(session, world.sender, "maria@EXAMPLE") == ["Maria Lopez"]
    assert await _search(session, world.sender, "nobody") == []
    # Wildcards are literal text, not patterns.
    assert await _search(session, world.sender, "%%") == []
    assert await _search(session, world.sender, "M_ria") == []
    assert await _search(session, world.outsider, "lopez") == ["Maria Lopez"]


async def test_every_client_found_is_an_access_logged_read(session: AsyncSession) -> None:
    world = await make_world(session)
    await _search(session, world.sender, "maria", through="console:refer")
    await session.commit()
    rows = (
        await session.exec(select(AccessLog).where(col(AccessLog.client_id) == world.client.id))
    ).all()
    assert [(r.user_id, r.through) for r in rows] == [(world.sender.user_id, "console:refer")]


async def test_receivers_auditors_and_strangers_cannot_search_someone_elses_clients(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    # The receiver organization's staff search their own organization: the sender's client
    # is not among its clients.
    assert await _search(session, world.receiver, "maria") == []
    with pytest.raises(NotFound):
        await _search(session, world.receiver, "maria", organization_id=world.sender_org.id)
    with pytest.raises(Forbidden):
        await _search(session, world.auditor, "maria")
    nobody = await make_staff(session, None, name="No Org")
    with pytest.raises(Forbidden):
        await _search(session, nobody, "maria")


@pytest.mark.parametrize(("text", "limit"), [("m", 20), ("x" * 101, 20), ("maria", 0), ("ma", 51)])
async def test_bad_searches_are_field_errors(session: AsyncSession, text: str, limit: int) -> None:
    world = await make_world(session)
    with pytest.raises(ValidationFailed) as raised:
        await _search(session, world.sender, text, limit=limit)
    assert raised.value.errors[0].field in {"search", "first"}
