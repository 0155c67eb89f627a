"""The ordered steps of `hub demo`; other areas append theirs (search index, referrals) here."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import func, select

from hub.container import Container
from hub.core.db import transaction
from hub.demo.analytics import analytics_step
from hub.demo.directory import DirectoryResult, build_directory
from hub.demo.referrals import referrals_step
from hub.demo.rows import Rows
from hub.demo.search_index import search_index_step
from hub.demo.users import DemoUser, create_demo_users
from hub.tables import metadata
from providers.models import Organization
from providers.needs_taxonomy import load_needs_taxonomy

DEFAULT_SEED = 2026


class DemoRefusedError(Exception):
    """The database already holds a directory; `--reset` is needed to replace it."""


@dataclass
class DemoContext:
    """What steps share: the container, a seeded random source, and what earlier steps made."""

    container: Container
    rng: random.Random
    now: datetime
    directory: DirectoryResult = field(default_factory=DirectoryResult)
    users: list[DemoUser] = field(default_factory=list)
    # Lines for the final summary, e.g. {"services": 1004}.
    summary: dict[str, object] = field(default_factory=dict)
    # Anything a later step wants from an earlier one (e.g. referral ids).
    extras: dict[str, Any] = field(default_factory=dict)
    # Steps report progress as (done, total); the CLI draws it as a bar.
    progress: Callable[[int, int], None] = field(default=lambda done, total: None)


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One step of the demo build."""

    key: str
    title: str
    run: Callable[[DemoContext], Awaitable[None]]


async def needs_step(ctx: DemoContext) -> None:
    """Load (or refresh) the shipped needs taxonomy."""
    async with transaction(ctx.container.session_factory) as session:
        result = await load_needs_taxonomy(session=session, clock=ctx.container.clock)
    ctx.summary["needs"] = result.inserted + result.updated + result.unchanged


async def directory_step(ctx: DemoContext) -> None:
    """Generate the directory and write it in one transaction."""
    rows = Rows(ctx.rng)
    ctx.directory = build_directory(rows, ctx.rng, ctx.now)
    total, done = rows.total, 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        ctx.progress(done, total)

    async with transaction(ctx.container.session_factory) as session:
        await rows.write(session, progress=advance)
    ctx.summary["counties"] = len({o.county for o in ctx.directory.organizations})
    ctx.summary["organizations"] = len(ctx.directory.organizations)
    for table in ("location", "service", "program_facts", "service_at_location", "schedule"):
        ctx.summary[table] = ctx.directory.counts.get(table, 0)


async def users_step(ctx: DemoContext) -> None:
    """Create a user for every role and issue their tokens."""
    ttl = timedelta(hours=ctx.container.settings.token_ttl_hours)
    async with transaction(ctx.container.session_factory) as session:
        ctx.users = await create_demo_users(
            session=session, clock=ctx.container.clock, directory=ctx.directory, token_ttl=ttl
        )
    ctx.summary["users"] = len(ctx.users)


# Other areas add one line each (after the users, so their steps can use them).
DEMO_STEPS: list[DemoStep] = [
    DemoStep("needs", "Needs taxonomy", needs_step),
    DemoStep("directory", "Organizations, locations and services", directory_step),
    DemoStep("users", "Demo users and tokens", users_step),
    DemoStep("referrals", "Referrals in every status, with history", referrals_step),
    DemoStep("search", "Search index", search_index_step),
    DemoStep("analytics", "Analytics facts", analytics_step),
]


async def organization_count(container: Container) -> int:
    """How many organizations the database holds."""
    async with container.session_factory() as session:
        found = await session.exec(select(func.count()).select_from(Organization))
        return int(found.one())


async def wipe(container: Container) -> None:
    """Delete every row of every table the hub knows (children first)."""
    async with transaction(container.session_factory) as session:
        connection = await session.connection()
        for table in reversed(metadata.sorted_tables):
            await connection.execute(sa.delete(table))


async def run_demo(
    container: Container,
    *,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    steps: list[DemoStep] | None = None,
    on_step: Callable[[DemoStep, DemoContext], None] | None = None,
) -> DemoContext:
    """Build the demo network in a migrated database; refuses a non-empty one unless `reset`."""
    existing = await organization_count(container)
    if existing and not reset:
        raise DemoRefusedError(
            f"The database already has {existing} organizations. "
            "Run `hub demo --reset` to delete ALL data and load the demo again."
        )
    if reset:
        await wipe(container)
    ctx = DemoContext(container=container, rng=random.Random(seed), now=container.clock.now())
    for step in steps if steps is not None else DEMO_STEPS:
        if on_step is not None:
            on_step(step, ctx)
        await step.run(ctx)
    return ctx
