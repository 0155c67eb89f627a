"""Benchmark: network report latency over 1M generated referrals (+ history) on SQLite.

Generates organizations, a network, clients, referrals with consistent timestamps, their history
(created, sent, viewed, accepted, closed ...) and SLA notices with `executemany`, builds the
analytics fact table and its monthly rollup once (timed, and the rollup alone), then times the
real domain calls (`network_report`, `flow_matrix`) for the common groupings over a month, a
quarter and a year, as a hub admin and as a network auditor. Prints wall and CPU p50/p95 per
case. Then times the board's `/board` and `/board/flows` pages (by need category, and one
category's drill-down) as a signed-in auditor, whole request in process (session check,
reports, template), for the last year. Run:

    .venv/bin/python bench/report_bench.py [--referrals 1000000] [--repeat 15] [--db PATH]
    .venv/bin/python bench/report_bench.py --db PATH --keep-facts --board-only
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from hub import migrate
from hub.app import create_app
from hub.core.clock import FixedClock, SystemClock
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from hub.identity.principal import SYSTEM, Principal
from hub.identity.service import create_user, issue_token
from referrals.analytics.dimensions import Dimension
from referrals.analytics.flows import flow_matrix
from referrals.analytics.refresh import refresh_facts
from referrals.analytics.report import ReportQuery, network_report
from referrals.analytics.rollup import rebuild_rollup

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 730
# After every generated event, as a real clock is.
NOW = START + timedelta(days=DAYS + 60)
ORGS = 120
NETWORK_ORGS = 30
# Child needs too, so categories (food, housing, legal) gather several needs of a referral.
NEEDS = (
    "food.pantry",
    "food.meals",
    "housing.shelter",
    "housing.rent_assistance",
    "childcare",
    "transportation",
    "health",
    "legal.tenant",
    "training",
)
FMT = "%Y-%m-%d %H:%M:%S.%f"
D = Dimension


def _ts(value: datetime) -> str:
    return value.strftime(FMT)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _referrals(
    rng: random.Random, count: int, orgs: list[str], services: dict[str, str], clients: list[str]
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[str], bool]]:
    # Referrals mostly flow inside clusters of partners, as real networks do.
    for _ in range(count):
        sender = rng.choice(orgs)
        receiver = orgs[(orgs.index(sender) + rng.randint(1, 8)) % len(orgs)]
        rid = _id(rng)
        sent = START + timedelta(seconds=rng.randint(0, DAYS * 86400))
        path = rng.choices(
            ["waiting", "rejected", "accepted", "completed", "failed", "cancelled"],
            [8, 10, 12, 50, 12, 8],
        )[0]
        events: list[tuple[Any, ...]] = [
            (rid, "created", "sender", None, "draft", None, None, 1, sent - timedelta(minutes=20)),
            (rid, "status_change", "sender", "draft", "requested", None, None, 2, sent),
        ]
        viewed = first = closed = None
        status, outcome, reason = "requested", None, None
        report = helped = None
        if (path != "waiting" and path != "cancelled") or rng.random() < 0.3:
            viewed = sent + timedelta(seconds=rng.randint(60, 40 * 3600))
            events.append((rid, "viewed", "receiver", None, None, None, None, 2, viewed))
        if path == "cancelled":
            status, reason = "cancelled", "client moved"
            closed = sent + timedelta(hours=rng.randint(2, 200))
            events.append(
                (rid, "status_change", "sender", "requested", "cancelled", reason, None, 3, closed)
            )
        elif path != "waiting":
            first = (viewed or sent) + timedelta(seconds=rng.randint(600, 100 * 3600))
            if path == "rejected":
                status, reason, closed = (
                    "rejected",
                    rng.choice(["no_capacity", "not_eligible", "x"]),
                    first,
                )
                events.append(
                    (
                        rid,
                        "status_change",
                        "receiver",
                        "requested",
                        "rejected",
                        reason,
                        None,
                        3,
                        first,
                    )
                )
            else:
                status = "accepted"
                events.append(
                    (
                        rid,
                        "status_change",
                        "receiver",
                        "requested",
                        "accepted",
                        None,
                        None,
                        3,
                        first,
                    )
                )
                if path in ("completed", "failed"):
                    closed = first + timedelta(seconds=rng.randint(3600, 30 * 86400))
                    status = path
                    outcome = "got_help" if path == "completed" else "could_not_contact"
                    reason = None if path == "completed" else "could_not_contact"
                    events.append(
                        (
                            rid,
                            "status_change",
                            "receiver",
                            "accepted",
                            path,
                            reason,
                            outcome,
                            4,
                            closed,
                        )
                    )
                    if rng.random() < 0.4:
                        report = rng.choice(["got_help", "could_not_reach", "no_longer_needed"])
                        helped = rng.random() < 0.7
        row = (
            _ts(sent - timedelta(minutes=20)),
            _ts(sent),
            rid,
            rng.choice(clients),
            sender,
            services[receiver],
            receiver,
            "",
            status,
            outcome,
            reason,
            len(events),
            _ts(sent),
            viewed and _ts(viewed),
            first and _ts(first),
            closed and _ts(closed),
            report,
            helped,
        )
        needs = rng.sample(NEEDS, rng.choice((1, 1, 1, 2)))
        yield row, events, needs, path == "waiting" and rng.random() < 0.5


def generate(path: Path, count: int, seed: int = 11) -> list[str]:
    """Fill a migrated SQLite file with the network; returns the network's organization ids."""
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = _ts(START)
    orgs = [_id(rng) for _ in range(ORGS)]
    db.executemany(
        "INSERT INTO organization (id, name, description, created_at, updated_at)"
        " VALUES (?,?,?,?,?)",
        [(o, f"Org {i:03d}", "", now, now) for i, o in enumerate(orgs)],
    )
    services = {o: _id(rng) for o in orgs}
    db.executemany(
        "INSERT INTO service (id, organization_id, name, status, delivery_mode, accepts_referrals,"
        " version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [(s, o, "Intake", "active", "in_person", 1, 1, now, now) for o, s in services.items()],
    )
    network = _id(rng)
    db.execute(
        "INSERT INTO network (id, name, description, created_at, updated_at) VALUES (?,?,?,?,?)",
        (network, "Bench board", "", now, now),
    )
    db.executemany(
        "INSERT INTO network_organization VALUES (?,?)", [(network, o) for o in orgs[:NETWORK_ORGS]]
    )
    clients = [_id(rng) for _ in range(20_000)]
    db.executemany(
        "INSERT INTO referral_client (created_at, updated_at, id, organization_id, name,"
        " preferred_language, preferred_channel) VALUES (?,?,?,?,?,?,?)",
        [(now, now, c, rng.choice(orgs), "x", "en", "none") for c in clients],
    )
    batch: dict[str, list[Any]] = {"r": [], "e": [], "n": [], "s": []}

    def flush() -> None:
        db.executemany(
            "INSERT INTO referral (created_at, updated_at, id, client_id, sender_organization_id,"
            " service_id, receiver_organization_id, notes, status, outcome, status_reason,"
            " version, sent_at, viewed_at, first_action_at, closed_at, client_report,"
            " client_helped) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            batch["r"],
        )
        db.executemany(
            "INSERT INTO referral_event (id, referral_id, kind, actor_type, role, from_status,"
            " to_status, reason, outcome, version, detail, occurred_at)"
            " VALUES (?,?,?,'user',?,?,?,?,?,?,'{}',?)",
            batch["e"],
        )
        db.executemany("INSERT INTO referral_need VALUES (?,?)", batch["n"])
        db.executemany(
            "INSERT INTO sla_notice (id, referral_id, kind, created_at) VALUES (?,?,?,?)",
            batch["s"],
        )
        db.commit()
        for rows in batch.values():
            rows.clear()

    for row, events, needs, breached in _referrals(rng, count, orgs, services, clients):
        batch["r"].append(row)
        batch["e"].extend((_id(rng), *e[:8], _ts(e[8])) for e in events)
        batch["n"].extend((row[2], n) for n in needs)
        if breached:
            batch["s"].append((_id(rng), row[2], "remind", row[1]))
        if len(batch["r"]) >= 50_000:
            flush()
    flush()
    db.execute("ANALYZE")
    db.close()
    return orgs[:NETWORK_ORGS]


async def _time(label: str, repeat: int, call: Any) -> dict[str, float]:
    # Wall time, and CPU time of this process (SQLite runs in aiosqlite's thread, in-process):
    # on a shared, loaded machine the CPU figure is what the report itself costs.
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        await call()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    walls.sort()
    cpus.sort()
    rank = min(len(walls) - 1, max(0, round(0.95 * len(walls)) - 1))
    p50, p95 = statistics.median(walls), walls[rank]
    cpu50, cpu95 = statistics.median(cpus), cpus[rank]
    print(
        f"{label:<44} wall p50 {p50:7.1f} p95 {p95:7.1f} ms"
        f" | cpu p50 {cpu50:7.1f} p95 {cpu95:7.1f} ms"
    )
    return {"p50": p50, "p95": p95, "cpu95": cpu95}


async def measure(url: str, network_id: str, repeat: int, full: bool, build: bool) -> None:
    """Build the facts, then time the common reports."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    clock = FixedClock(NOW)
    if build:
        async with factory() as session:
            t0, c0 = time.perf_counter(), time.process_time()
            built = await refresh_facts(session=session, clock=clock, full=True)
            await session.commit()
            print(
                f"facts and rollup built: {built} facts in {time.perf_counter() - t0:.1f} s"
                f" (cpu {time.process_time() - c0:.1f} s)"
            )
        async with factory() as session:
            t0, c0 = time.perf_counter(), time.process_time()
            cells = await rebuild_rollup(session)
            await session.commit()
            print(
                f"rollup alone rebuilt: {cells} cells in {time.perf_counter() - t0:.1f} s"
                f" (cpu {time.process_time() - c0:.1f} s)"
            )
    async with factory() as session:
        caught_up = await refresh_facts(session=session, clock=clock)
        await session.commit()
        print(f"incremental refresh before timing: {caught_up} facts rewritten")
    auditor = Principal(
        user_id="bench", name="auditor", is_auditor=True, auditor_network_id=network_id
    )
    ranges = {
        "month": timedelta(days=31),
        "quarter": timedelta(days=92),
        "year": timedelta(days=365),
    }
    groupings: list[tuple[Dimension, ...]] = [
        (),
        (D.SENDER,),
        (D.MONTH,),
        (D.STATUS,),
        (D.NEED,),
        (D.SENDER, D.MONTH),
    ]
    worst = worst_cpu = 0.0
    actors = ((SYSTEM, "admin"), (auditor, "auditor")) if full else ((SYSTEM, "admin"),)
    for name, span in ranges.items():
        start = START + timedelta(days=365)
        for actor, who in actors if name == "year" or full else ((auditor, "auditor"),):
            for dims in groupings:
                query = ReportQuery(start=start, end=start + span, group_by=dims)

                async def call(q: ReportQuery = query, a: Principal = actor) -> None:
                    async with factory() as session:
                        await network_report(session=session, actor=a, clock=clock, query=q)
                        await session.commit()

                label = f"{name} {who} by {'+'.join(d.value for d in dims) or 'total'}"
                result = await _time(label, repeat, call)
                worst, worst_cpu = max(worst, result["p95"]), max(worst_cpu, result["cpu95"])
            query = ReportQuery(start=start, end=start + span)

            async def flows(q: ReportQuery = query, a: Principal = actor) -> None:
                async with factory() as session:
                    await flow_matrix(session=session, actor=a, clock=clock, query=q)
                    await session.commit()

            result = await _time(f"{name} {who} flow matrix", repeat, flows)
            worst, worst_cpu = max(worst, result["p95"]), max(worst_cpu, result["cpu95"])
    print(f"worst p95: wall {worst:.1f} ms, cpu {worst_cpu:.1f} ms")
    await engine.dispose()


async def measure_board(url: str, data_dir: Path, network_id: str, repeat: int) -> None:
    """Time the board's pages (a year, the auditor's network) through the whole app, in process."""
    settings = Settings(database_url=url, data_dir=data_dir, secret_key="bench-secret-key")
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        email = f"board-{uuid.uuid4().hex[:8]}@bench.example.org"
        user = await create_user(
            session=session,
            email=email,
            name="Bench auditor",
            password="bench-password-long",
            is_auditor=True,
            auditor_network_id=network_id,
        )
        issued = await issue_token(
            session=session, user=user, name="login", ttl=timedelta(hours=2), clock=SystemClock()
        )
        await session.commit()
    await engine.dispose()
    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    # The page's default range ends today; the generated history ends at NOW, so ask for the
    # last generated year explicitly (plain dates, as a person would type them).
    last = (NOW - timedelta(days=61)).date()
    year = f"from={last - timedelta(days=364)}&to={last}"
    pages = (
        (f"/board?{year}", "Board overview", "GET /board"),
        (f"/board/flows?{year}", "By need category", "GET /board/flows"),
        (f"/board/flows?{year}&need=housing", "By need: Housing", "GET /board/flows?need=housing"),
    )
    cookies = {"hub_session": issued.token}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1:8000", cookies=cookies
    ) as client:
        for path, heading, label in pages:
            first = await client.get(path)
            assert first.status_code == 200, first.status_code
            assert heading in first.text

            async def call(path: str = path) -> None:
                answer = await client.get(path)
                assert answer.status_code == 200

            await _time(f"{label} (year, auditor), whole page", repeat, call)
    await app.state.container.close()


def main() -> None:
    """Generate (unless the database exists) and measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--all-cases", action="store_true", help="Both readers on every range.")
    parser.add_argument(
        "--keep-facts", action="store_true", help="Reuse the built fact table and rollup."
    )
    parser.add_argument("--board-only", action="store_true", help="Time only the board pages.")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "report_bench.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        migrate.upgrade(url)
        t0 = time.perf_counter()
        network = generate(path, args.referrals)
        print(f"generated {args.referrals} referrals in {time.perf_counter() - t0:.1f} s at {path}")
    else:
        db = sqlite3.connect(path)
        network = [r[0] for r in db.execute("SELECT organization_id FROM network_organization")]
        db.close()
    db = sqlite3.connect(path)
    net_id = db.execute("SELECT id FROM network").fetchone()[0]
    events = db.execute("SELECT count(*) FROM referral_event").fetchone()[0]
    db.close()
    print(f"{len(network)} network organizations; {events} history rows")
    if args.generate_only:
        return
    if not args.board_only:
        asyncio.run(measure(url, net_id, args.repeat, args.all_cases, not args.keep_facts))
    asyncio.run(measure_board(url, path.parent, net_id, args.repeat))


if __name__ == "__main__":
    main()
