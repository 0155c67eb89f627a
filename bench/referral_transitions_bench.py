"""Benchmark: referral status transitions per second, each with history and outbox (SQLite).

By default every transition is the real `change_status` the API's resolver calls
(version-checked UPDATE, history row, outbox row) committed in its own transaction.
`--path joined` measures `update_status` joined to an ORM session instead, and `--path graphql`
the whole `referralUpdateStatus` mutation through the ASGI app (token check, Strawberry,
serialisation) in process. Run:

    .venv/bin/python bench/referral_transitions_bench.py [--transitions 5000] [--repeat 5]
    .venv/bin/python bench/referral_transitions_bench.py --path graphql --repeat 3
    .venv/bin/python bench/referral_transitions_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

The event loop is uvloop when installed, as `hub serve` runs (uvicorn's default); `--loop
asyncio` measures the standard loop. On SQLite a good part of a transition's cost is the trips to
the driver's thread (`hub.core.sqlite_driver`): `change_status` makes one (load, decide, write
and commit run on that thread), `--path joined` three (load, write, commit), so the loop matters.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from hub import migrate
from hub.app import create_app
from hub.container import build_container
from hub.core.clock import SystemClock
from hub.core.db import (
    SessionFactory,
    sync_url,
    transaction,
)
from hub.core.events import OutboxEvent
from hub.core.settings import Settings
from hub.identity.models import OrgRole, User
from hub.identity.principal import Principal
from hub.identity.service import grant_membership, issue_token
from providers.models import Organization, Service
from referrals.clients import ClientData, create_client, record_consent
from referrals.models import ConsentScope, ReferralEvent
from referrals.service import (
    ReferralData,
    change_status,
    create_referral,
    send_referral,
    update_status,
)
from referrals.state_machine import ReferralStatus
from referrals.transitions import StatusChange
from schema.relay import to_global_id

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


PATHS = {
    "api": "service.change_status, its own transaction (what the API's resolver calls)",
    "joined": "service.update_status joined to an ORM session, then commit (the SLA engine's way)",
    "graphql": "a referralUpdateStatus mutation over in-process ASGI, with a Bearer token",
}

Apply = Callable[[str, ReferralStatus, int, str | None], Awaitable[None]]

UPDATE_STATUS = """mutation($id: ID!, $status: ReferralStatus!, $version: Int!, $reason: String) {
  referralUpdateStatus(id: $id, status: $status, expectedVersion: $version, reason: $reason) {
    __typename ... on ReferralPayload { referral { version } } } }"""


def _api(factory: SessionFactory, actor: Principal) -> Apply:
    async def apply(rid: str, target: ReferralStatus, version: int, reason: str | None) -> None:
        change = StatusChange(rid, target, version, reason)
        await change_status(factory=factory, actor=actor, clock=CLOCK, change=change)

    return apply


def _joined(factory: SessionFactory, actor: Principal) -> Apply:
    async def apply(rid: str, target: ReferralStatus, version: int, reason: str | None) -> None:
        async with transaction(factory) as session:
            await update_status(
                session=session,
                actor=actor,
                clock=CLOCK,
                referral_id=rid,
                status=target,
                expected_version=version,
                reason=reason,
            )

    return apply


def _graphql(client: httpx.AsyncClient, token: str) -> Apply:
    headers = {"Authorization": f"Bearer {token}"}

    async def apply(rid: str, target: ReferralStatus, version: int, reason: str | None) -> None:
        variables = {
            "id": to_global_id("Referral", rid),
            "status": target.name,
            "version": version,
            "reason": reason,
        }
        response = await client.post(
            "/graphql", json={"query": UPDATE_STATUS, "variables": variables}, headers=headers
        )
        payload = response.json()["data"]["referralUpdateStatus"]
        assert payload["__typename"] == "ReferralPayload", payload

    return apply


async def _worker(apply: Apply, ids: list[str], rounds: int, latencies: list[float]) -> None:
    versions = dict.fromkeys(ids, 3)
    statuses = dict.fromkeys(ids, ReferralStatus.ACCEPTED)
    for _ in range(rounds):
        for rid in ids:
            target = (
                ReferralStatus.ON_HOLD
                if statuses[rid] == ReferralStatus.IN_PROGRESS
                else ReferralStatus.IN_PROGRESS
            )
            reason = "waiting" if target == ReferralStatus.ON_HOLD else None
            started = time.perf_counter()
            await apply(rid, target, versions[rid], reason)
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


async def _receiver_token(factory: SessionFactory, receiver: Principal) -> str:
    """An API token for the receiving staff member (made a real member for the API to see)."""
    assert receiver.user_id is not None
    async with transaction(factory) as session:
        (organization_id,) = receiver.org_roles
        await grant_membership(
            session=session,
            user_id=receiver.user_id,
            organization_id=organization_id,
            role=OrgRole.STAFF,
        )
        user = await session.get(User, receiver.user_id)
        assert user is not None
        issued = await issue_token(
            session=session, user=user, name="bench", ttl=timedelta(hours=1), clock=CLOCK
        )
    return issued.token


async def main(
    transitions: int, workers: int, referrals: int, server_url: str | None, *, path: str
) -> tuple[float, float]:
    """One run on a fresh database; prints its figures, returns (transitions/s, CPU ms each)."""
    url, drop = _scratch_database(server_url)
    migrate.upgrade(url)
    container = build_container(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp())))
    engine, factory = container.engine, container.session_factory
    published: list[int] = []
    container.publisher.subscribe(lambda events: published.append(len(events)))
    actor, ids = await _seed(factory, referrals)
    baseline = await _round_trip(engine)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(container=container, notifications=False)),
        base_url="http://bench",
    )
    if path == "graphql":
        apply = _graphql(client, await _receiver_token(factory, actor))
    elif path == "joined":
        apply = _joined(factory, actor)
    else:
        apply = _api(factory, actor)
    # Each worker owns its referrals, so no run is lost to version conflicts.
    shares = [ids[i::workers] for i in range(workers)]
    rounds = max(1, transitions // len(ids))
    latencies: list[float] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    await asyncio.gather(*(_worker(apply, share, rounds, latencies) for share in shares))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    async with factory() as session:
        history = (await session.exec(select(func.count()).select_from(ReferralEvent))).one()
        outbox = (await session.exec(select(func.count()).select_from(OutboxEvent))).one()
    await client.aclose()
    await container.close()
    drop()
    done = len(latencies)
    latencies.sort()
    print(f"database: {sa.make_url(url).render_as_string(hide_password=True)}  loop: {loop_name()}")
    print(f"path: {PATHS[path]}")
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
        runs.append(
            await main(
                args.transitions, args.workers, args.referrals, args.postgres, path=args.path
            )
        )
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
    parser.add_argument(
        "--path",
        choices=list(PATHS),
        default="api",
        help="what one transition is: " + "; ".join(f"{k}: {v}" for k, v in PATHS.items()),
    )
    args = parser.parse_args()
    run = repeated(args)
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(run)
    else:
        asyncio.run(run)
