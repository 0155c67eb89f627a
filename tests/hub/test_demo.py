"""`hub demo` builds what it promises: 3+ counties, ~1,000 services, every need, every role."""

from __future__ import annotations

import asyncio
import random
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.container import Container, build_container
from hub.core.clock import FixedClock
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from hub.demo.directory import build_directory
from hub.demo.rows import Rows
from hub.demo.steps import DEMO_STEPS, DemoContext, DemoRefusedError, run_demo
from hub.identity.models import OrgRole
from hub.identity.service import principal_for_token
from providers.models import (
    Attribute,
    CostOption,
    Location,
    Organization,
    ProgramFacts,
    Schedule,
    Service,
)
from providers.needs_taxonomy import need_ids_with_descendants, shipped_needs
from tests.conftest import _pg_execute

BUILT_AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
CLOCK = FixedClock(BUILT_AT)
# The directory's own steps; other areas' steps (referrals, search index) have their own tests,
# and the whole list runs in tests/hub/test_cli.py.
OWN_STEPS = [s for s in DEMO_STEPS if s.key in {"needs", "directory", "users"}]


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def demo_url(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for this module (the demo is built into it once)."""
    parsed = sa.make_url(migrated_template)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_demo_{uuid.uuid4().hex[:10]}"
        _pg_execute(migrated_template, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        yield parsed.set(database=name).render_as_string(hide_password=False)
        _pg_execute(migrated_template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        assert parsed.database is not None
        target = tmp_path_factory.mktemp("demo") / "hub.sqlite3"
        shutil.copyfile(parsed.database, target)
        yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="module")
def built(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> DemoContext:
    """The demo, built once (in its own event loop; tests open their own connections)."""
    settings = _settings(demo_url, tmp_path_factory.mktemp("data"))

    async def build() -> DemoContext:
        container = build_container(settings, clock=CLOCK)
        try:
            return await run_demo(container, steps=OWN_STEPS)
        finally:
            await container.close()

    return asyncio.run(build())


@pytest.fixture
async def db(built: DemoContext, demo_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the built demo database."""
    engine = create_engine(demo_url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def _count(session: AsyncSession, statement: sa.Select[tuple[int]]) -> int:
    return int((await session.exec(statement)).one())  # type: ignore[call-overload]


async def test_three_counties_of_colleges_workforce_centers_and_cbos(
    built: DemoContext, db: AsyncSession
) -> None:
    orgs = built.directory.organizations
    assert len({o.county for o in orgs}) >= 3
    for county in {o.county for o in orgs}:
        kinds = {o.organization_type for o in orgs if o.county == county}
        assert {"community_college", "workforce_center", "food_bank", "legal_aid"} <= kinds
    assert await _count(db, select(func.count()).select_from(Organization)) == len(orgs)


async def test_about_a_thousand_services_with_places_phones_and_hours(db: AsyncSession) -> None:
    services = await _count(db, select(func.count()).select_from(Service))
    assert 900 <= services <= 1200
    located = select(Location).where(col(Location.latitude).is_not(None))
    locations = list(await db.exec(located))
    assert locations
    assert all(-180 <= loc.longitude <= 180 for loc in locations if loc.longitude is not None)
    zones = {loc.timezone_name for loc in locations}
    assert {"America/Los_Angeles", "America/Chicago"} <= zones
    assert any(loc.is_private for loc in locations)
    assert sum(loc.is_private for loc in locations) < len(locations) / 5
    schedules = list(await db.exec(select(Schedule)))
    assert any("SA" in (s.byday or "") for s in schedules)
    assert any(s.closes_at is not None and s.closes_at.hour >= 19 for s in schedules)


async def test_training_programs_have_their_facts(db: AsyncSession) -> None:
    facts = list(await db.exec(select(ProgramFacts)))
    assert len(facts) >= 100
    for fact in facts:
        assert fact.credential
        assert fact.occupation_code is not None
        assert len(fact.occupation_code) == 7
        assert fact.duration_weeks
        assert fact.schedule_fit
        assert fact.tuition is not None
        assert fact.other_costs is not None
        assert fact.aid_accepted
        assert fact.completion_rate is not None
        assert fact.median_wage_after is not None
    assert any(f.earn_and_learn for f in facts)
    assert any("evening" in f.schedule_fit for f in facts)


async def test_every_top_level_need_has_services(db: AsyncSession) -> None:
    for need in shipped_needs().top_level:
        term_ids = await need_ids_with_descendants(session=db, codes=[need.code])
        tagged = select(func.count(func.distinct(Attribute.link_id))).where(
            col(Attribute.taxonomy_term_id).in_(term_ids), Attribute.link_entity == "service"
        )
        assert await _count(db, tagged) >= 3, need.code


async def test_listings_are_mostly_free_and_fresh_with_some_stale(db: AsyncSession) -> None:
    free = await _count(
        db, select(func.count()).select_from(CostOption).where(CostOption.amount == 0)
    )
    costs = await _count(db, select(func.count()).select_from(CostOption))
    assert free > costs / 2
    stale_before = BUILT_AT - timedelta(days=365)
    verified = [s.last_verified_at for s in await db.exec(select(Service))]
    stale = sum(1 for v in verified if v is not None and v < stale_before)
    assert 0 < stale < len(verified) / 3
    statuses = {s for s in await db.exec(select(Service.capacity_status))}
    assert {"capacity", "waitlist", "no-capacity"} <= {str(s) for s in statuses if s}


async def test_every_role_has_a_user_whose_token_works(
    built: DemoContext, db: AsyncSession
) -> None:
    roles = {u.role for u in built.users}
    assert roles == {"hub_admin", "auditor", "org_admin", "org_staff"}
    for user in built.users:
        principal = await principal_for_token(session=db, token=user.token, clock=CLOCK)
        assert principal.user_id is not None
        if user.role == "hub_admin":
            assert principal.is_hub_admin
        elif user.role == "auditor":
            assert principal.is_auditor
        else:
            assert user.organization_id is not None
            assert principal.org_roles[user.organization_id] == OrgRole(user.role)


def test_the_same_seed_gives_the_same_directory() -> None:
    first, second = Rows(random.Random(7)), Rows(random.Random(7))
    a = build_directory(first, random.Random(7), BUILT_AT)
    b = build_directory(second, random.Random(7), BUILT_AT)
    assert [o.id for o in a.organizations] == [o.id for o in b.organizations]
    assert first.total == second.total
    assert a.counts == b.counts


async def test_a_second_load_is_refused_and_reset_replaces_everything(
    settings: Settings,
) -> None:
    container: Container = build_container(settings, clock=CLOCK)
    try:
        first = await run_demo(container, seed=1, steps=OWN_STEPS)
        with pytest.raises(DemoRefusedError, match="--reset"):
            await run_demo(container, seed=1, steps=OWN_STEPS)
        again = await run_demo(container, seed=1, reset=True, steps=OWN_STEPS)
        async with container.session_factory() as session:
            orgs = await _count(session, select(func.count()).select_from(Organization))
        assert orgs == len(again.directory.organizations) == len(first.directory.organizations)
    finally:
        await container.close()
