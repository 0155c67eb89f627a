"""Benchmark: referral status transitions per second, each with history and outbox (SQLite).

Every transition is the real `update_status` (version-checked UPDATE, history row, outbox row)
committed in its own transaction, as the API does it. Run:

    .venv/bin/python bench/referral_transitions_bench.py [--transitions 5000] [--repeat 5]
    .venv/bin/python bench/referral_transitions_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

The event loop is uvloop when installed, as `hub serve` runs (uvicorn's default); `--loop
asyncio` measures the standard loop. On SQLite a good part of a transition's cost is the trips to
the driver's thread (`hub.core.sqlite_driver`: one per statement and one for the commit, five in
all), so the loop matters.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from hub import migrate
from hub.core.clock import SystemClock
from hub.core.db import (
    SessionFactory,
    create_engine,
    create_session_factory,
    sync_url,
    transaction,
)
from hub.core.events import EventPublisher, OutboxEvent
from hub.identity.models import OrgRole, User
from hub.identity.principal import Principal
from providers.models import Organization, Service
from referrals.clients import ClientData, create_client, record_consent
from referrals.models import ConsentScope, ReferralEvent
from referrals.service import ReferralData, create_referral, send_referral, update_status
from referrals.state_machine import ReferralStatus

CLOCK = SystemClock()


async def _seed(factory: SessionFactory, count: int) -> tuple[Principal, list[str]]:
    async with transaction(factory) as session:
        sender_org = Organization(name="Sender", description="")
        receiver_org = Organization(name="Receiver", description="")
        session.add_all([sender_org, receiver_org])
        await session.flush()
        service = Service(organization_id=receiver_org.id, name="Pantry", accepts_referrals=True)
        users = [User(email=f"u{i}@x.org", name=f"U{i}", password_hash="x") for i in range(2)]
        session.add_all([service, *users])
        await session.flush()
        sender = Principal(user_id=users[0].id, org_roles={sender_org.id: OrgRole.STAFF})
        receiver = Principal(user_id=users[1].id, org_roles={receiver_org.id: OrgRole.STAFF})
        ids = []
        for i in range(count):
            client = await create_client(
                session=session,
                actor=sender,
                clock=CLOCK,
                data=ClientData(organization_id=sender_org.id, name=f"Client {i}"),
            )
            await record_consent(
                session=session,
                actor=sender,
                clock=CLOCK,
                client_id=client.id,
                scope=ConsentScope.REFERRAL,
            )
            referral = await create_referral(
                session=session,
                actor=sender,
                clock=CLOCK,
                data=ReferralData(client_id=client.id, service_id=service.id, need_codes=["food"]),
            )
            await send_referral(session=session, actor=sender, clock=CLOCK, referral_id=referral.id)
            await update_status(
                session=session,
                actor=receiver,
                clock=CLOCK,
                referral_id=referral.id,
                status=ReferralStatus.ACCEPTED,
                expected_version=2,
            )
            ids.append(referral.id)
    return receiver, ids


async def _round_trip(engine: AsyncEngine, count: int = 300) -> float:
    """Seconds per trivial statement: tells a slow machine from slow code."""
    async with engine.connect() as connection:
        await connection.execute(sa.text("SELECT 1"))
        started = time.perf_counter()
        for _ in range(count):
            await connection.execute(sa.text("SELECT 1"))
        return (time.perf_counter() - started) / count


async def _worker(
    factory: SessionFactory, actor: Principal, ids: list[str], rounds: int, latencies: list[float]
) -> None:
    versions = dict.fromkeys(ids, 3)
    statuses = dict.fromkeys(ids, ReferralStatus.ACCEPTED)
    for _ in range(rounds):
        for rid in ids:
            target = (
                ReferralStatus.ON_HOLD
                if statuses[rid] == ReferralStatus.IN_PROGRESS
                else ReferralStatus.IN_PROGRESS
            )
            started = time.perf_counter()
            async with transaction(factory) as session:
                await update_status(
                    session=session,
                    actor=actor,
                    clock=CLOCK,
                    referral_id=rid,
                    status=target,
                    expected_version=versions[rid],
                    reason="waiting" if target == ReferralStatus.ON_HOLD else None,
                )
            latencies.append(time.perf_counter() - started)
            versions[rid] += 1
            statuses[rid] = target


def loop_name() -> str:
    """The running event loop's module, e.g. uvloop or asyncio."""
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def _scratch_database(server_url: str | None) -> tuple[str, Callable[[], None]]:
    """A fresh database: a SQLite file, or a new database on the given PostgreSQL server."""
    if not server_url:
        folder = Path(tempfile.mkdtemp(prefix="hub-bench-"))
        return f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", lambda: None
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        sa.make_url(sync_url(server_url)).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


async def main(
    transitions: int, workers: int, referrals: int, server_url: str | None
) -> tuple[float, float]:
    """One run on a fresh database; prints its figures, returns (transitions/s, CPU ms each)."""
    url, drop = _scratch_database(server_url)
    migrate.upgrade(url)
    engine = create_engine(url)
    published: list[int] = []
    publisher = EventPublisher()
    publisher.subscribe(lambda events: published.append(len(events)))
    factory = create_session_factory(engine, publisher=publisher)
    actor, ids = await _seed(factory, referrals)
    baseline = await _round_trip(engine)
    # Each worker owns its referrals, so no run is lost to version conflicts.
    shares = [ids[i::workers] for i in range(workers)]
    rounds = max(1, transitions // len(ids))
    latencies: list[float] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    await asyncio.gather(*(_worker(factory, actor, s, rounds, latencies) for s in shares))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    async with factory() as session:
        history = (await session.exec(select(func.count()).select_from(ReferralEvent))).one()
        outbox = (await session.exec(select(func.count()).select_from(OutboxEvent))).one()
    await engine.dispose()
    drop()
    done = len(latencies)
    latencies.sort()
    print(f"database: {sa.make_url(url).render_as_string(hide_password=True)}  loop: {loop_name()}")
    print(f"workers={workers} referrals={referrals} transitions={done}")
    print(f"elapsed={elapsed:.2f}s  throughput={done / elapsed:,.0f} transitions/s")
    # Process CPU time (all threads): what the throughput would be on an otherwise idle core.
    print(
        f"cpu={cpu:.2f}s  cpu per transition={cpu / done * 1000:.3f} ms"
        f"  cpu-bound throughput={done / cpu:,.0f} transitions/s"
    )
    p50, p95 = latencies[done // 2] * 1000, latencies[int(done * 0.95)] * 1000
    mean = statistics.fmean(latencies) * 1000
    print(f"latency ms: p50={p50:.2f} p95={p95:.2f} mean={mean:.2f}")
    print(f"baseline: one `SELECT 1` round trip through the driver = {baseline * 1000:.3f} ms")
    print(f"history rows={history} outbox rows={outbox} published after commit={sum(published)}")
    return done / elapsed, cpu / done * 1000


async def repeated(args: argparse.Namespace) -> None:
    """Run `--repeat` times (a shared machine's speed drifts) and print the median."""
    runs = []
    for number in range(args.repeat):
        if args.repeat > 1:
            print(f"-- run {number + 1} of {args.repeat}")
        runs.append(await main(args.transitions, args.workers, args.referrals, args.postgres))
    if args.repeat > 1:
        rates = sorted(rate for rate, _ in runs)
        cpus = sorted(cpu for _, cpu in runs)
        print(
            f"median of {args.repeat} runs: {statistics.median(rates):,.0f} transitions/s"
            f" (range {rates[0]:,.0f}-{rates[-1]:,.0f}),"
            f" {statistics.median(cpus):.3f} ms CPU per transition"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--referrals", type=int, default=100)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a scratch database of this PostgreSQL server instead of SQLite",
    )
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        help="event loop (default: uvloop when installed, as `hub serve` uses)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs, each on a fresh database")
    args = parser.parse_args()
    run = repeated(args)
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(run)
    else:
        asyncio.run(run)
