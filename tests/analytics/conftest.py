"""Analytics fixtures: the generated network, built once per test session into a template
database that every test copies (like the migrated template), and its readers."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from hub.core.db import create_engine, create_session_factory
from hub.identity.models import OrgRole
from hub.identity.service import create_user, issue_token, principal_for_user
from tests.analytics.network import NOW, FixtureNetwork, build_network
from tests.builders import PASSWORD, Person, make_person
from tests.conftest import _pg_execute
from tests.schema.conftest import client, container, gql

__all__ = ["client", "container", "gql"]
CLOCK = FixedClock(NOW)


async def make_auditor(session: AsyncSession, email: str, network_id: str | None) -> Person:
    """An auditor of one network (or of every organization when None), with a token."""
    user = await create_user(
        session=session,
        email=email,
        name=email.split("@")[0],
        password=PASSWORD,
        is_auditor=True,
        auditor_network_id=network_id,
    )
    issued = await issue_token(
        session=session,
        user=user,
        name="t",
        ttl=timedelta(days=2),
        clock=FixedClock(datetime.now(UTC)),
    )
    principal = await principal_for_user(session=session, user=user)
    return Person(user=user, principal=principal, token=issued.token)


@dataclass(frozen=True, slots=True)
class Readers:
    """Who reads analytics in the tests."""

    auditor_a: Person
    auditor_b: Person
    admin: Person
    staff_a: Person


async def _populate(url: str) -> tuple[FixtureNetwork, Readers]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            network = await build_network(session)
            readers = Readers(
                auditor_a=await make_auditor(session, "board@a.org", network.network_a.id),
                auditor_b=await make_auditor(session, "board@b.org", network.network_b.id),
                admin=await make_person(session, "root@hub.org", is_hub_admin=True),
                staff_a=await make_person(
                    session, "coach@a.org", organization=network.orgs["a0"], role=OrgRole.STAFF
                ),
            )
            await session.commit()
            return network, readers
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def analytics_template(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FixtureNetwork, Readers]]:
    """A migrated database holding the fixture network, built once."""
    parsed = sa.make_url(migrated_template)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_an_{uuid.uuid4().hex[:10]}"
        _pg_execute(migrated_template, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        url = parsed.set(database=name).render_as_string(hide_password=False)
        network, readers = asyncio.run(_populate(url))
        yield url, network, readers
        _pg_execute(migrated_template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        assert parsed.database is not None
        target = tmp_path_factory.mktemp("analytics") / "hub.sqlite3"
        shutil.copyfile(parsed.database, target)
        url = f"sqlite+aiosqlite:///{target}"
        network, readers = asyncio.run(_populate(url))
        yield url, network, readers


@pytest.fixture
def database_url(
    analytics_template: tuple[str, FixtureNetwork, Readers], tmp_path: Path
) -> Iterator[str]:
    """A fresh copy of the populated template for one test."""
    template = sa.make_url(analytics_template[0])
    if template.get_backend_name() == "postgresql":
        name = f"hub_t_{uuid.uuid4().hex[:12]}"
        _pg_execute(
            str(analytics_template[0]), f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'
        )
        yield template.set(database=name).render_as_string(hide_password=False)
        _pg_execute(str(analytics_template[0]), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        assert template.database is not None
        target = tmp_path / "hub.sqlite3"
        shutil.copyfile(template.database, target)
        yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def network(analytics_template: tuple[str, FixtureNetwork, Readers]) -> FixtureNetwork:
    """The generated network (already in the test's database)."""
    return analytics_template[1]


@pytest.fixture
def readers(analytics_template: tuple[str, FixtureNetwork, Readers]) -> Readers:
    """Auditors of network A and B, a hub admin and a staff member of an A organization."""
    return analytics_template[2]
