"""Status change -> webhook received: latency p50/p95 through the Redis broker.

Each sample commits a real status change as the API does (referrals.service.change_status,
history + outbox in one transaction), whose after-commit publish enqueues the event id to
Redis; a `hub worker` process (or, with --in-process, worker threads here) dispatches it and
POSTs the signed webhook to a local receiver in this process, which stamps the arrival time.

    HUB_BENCH_REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/notification_latency_bench.py [--samples 200] \
        [--database-url postgresql+psycopg://...] [--interval 0.02]

Tip: `dramatiq_queue_prefetch=64` (environment) raises Redis throughput; latency at low load
does not depend on it. Target: p95 <= 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub import migrate
from hub.core.broadcast import InProcessBroadcaster
from hub.core.broker import configure_broker
from hub.core.clock import SystemClock
from hub.core.db import create_engine, create_session_factory
from hub.core.events import EventPublisher
from hub.core.settings import Settings
from referrals.notifications.webhooks import create_subscription
from referrals.service import (
    ReferralData,
    change_status,
    create_referral,
    send_referral,
)
from referrals.state_machine import ReferralStatus
from referrals.transitions import StatusChange
from tests.notifications.builders import build_network
from tests.notifications.servers import LOOPBACK_HOSTS, WebhookReceiver

PREFETCH_ENV = "dramatiq_queue_prefetch"  # Dramatiq reads it lower-case


class StampingReceiver(WebhookReceiver):
    """Records when each event id first arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self.signal = threading.Condition()

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        """Stamp, then verify and record like the test receiver."""
        now = time.perf_counter()
        status = super().handle(path, headers, raw)
        with self.signal:
            self.arrived.setdefault(headers.get("X-Hub-Event-Id", ""), now)
            self.signal.notify_all()
        return status

    def wait_for_count(self, count: int, limit: float) -> None:
        """Block until `count` distinct events arrived (or `limit` seconds passed)."""
        with self.signal:
            self.signal.wait_for(lambda: len(self.arrived) >= count, timeout=limit)


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """Run `hub worker` against the same database and broker, and wait until it is ready."""
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.resolved_database_url(),
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_BROKER_URL": settings.broker_url,
        "HUB_BROKER_NAMESPACE": settings.broker_namespace,
        "HUB_WORKER_THREADS": str(settings.worker_threads),
        "HUB_WORKER_IDLE_POLL_MS": str(settings.worker_idle_poll_ms),
        "HUB_SMTP_HOST": "",
        "HUB_LOG_FORMAT": "console",
        "HUB_LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from hub.cli import main; main()", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "notification worker running" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"hub worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    return process


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> None:
    """Measure and print the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="hub-latency-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'hub.sqlite3'}"
    migrate.upgrade(url)
    settings = Settings(
        _env_file=None,
        data_dir=workdir,
        database_url=url,
        broker_url=args.redis_url,
        broker_namespace=f"hub-bench-{uuid.uuid4().hex[:8]}",
        worker_threads=args.threads,
        outbox_grace_seconds=60,
        outbox_sweep_seconds=60,
        worker_idle_poll_ms=args.poll_ms,
        webhook_allow_hosts=list(LOOPBACK_HOSTS),
    )
    engine = create_engine(url)
    plain = create_session_factory(engine)
    clock = SystemClock()
    receiver = StampingReceiver().start()
    net = await build_network(plain, clock, receiver_referral_email=None)
    async with plain() as session:
        _, secret = await create_subscription(
            session=session,
            actor=net.admin_sender,
            clock=clock,
            organization_id=net.sender_org.id,
            url=f"{receiver.base_url}/hook",
            topics=["referral.status_changed"],
            allow_http=True,
            allowed_hosts=LOOPBACK_HOSTS,
        )
        await session.commit()
    receiver.secrets["/hook"] = secret

    broker = configure_broker(settings.broker_url, namespace=settings.broker_namespace)
    from referrals.notifications.engine import NotificationEngine

    worker: subprocess.Popen[bytes] | None = None
    if args.in_process:
        workers: NotificationEngine | None = NotificationEngine(
            settings=settings,
            broker=broker,
            clock=clock,
            broadcaster=InProcessBroadcaster(),
            run_workers=True,
            run_scheduler=False,
        ).start()
    else:
        workers = None
        worker = start_worker(settings, workdir / "worker.log")
    # The app side: commits enqueue the event id to Redis.
    app_side = NotificationEngine(
        settings=settings,
        broker=broker,
        clock=clock,
        broadcaster=InProcessBroadcaster(),
        run_workers=False,
        run_scheduler=False,
    )
    publisher = EventPublisher()
    app_side.attach(publisher)
    app = create_session_factory(engine, publisher=publisher)
    latencies: list[float] = []
    try:
        for n in range(args.samples + args.warmup):
            async with app() as session:
                referral = await create_referral(
                    session=session,
                    actor=net.sender.principal,
                    clock=clock,
                    data=ReferralData(
                        client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
                    ),
                )
                await send_referral(
                    session=session,
                    actor=net.sender.principal,
                    clock=clock,
                    referral_id=referral.id,
                )
                await session.commit()
            await asyncio.sleep(args.interval)
            started = time.perf_counter()
            change = StatusChange(referral.id, ReferralStatus.ACCEPTED, expected_version=2)
            await change_status(
                factory=app, actor=net.receiver.principal, clock=clock, change=change
            )
            await asyncio.to_thread(receiver.wait_for_count, len(receiver.arrived) + 1, 10.0)
            arrived = max(receiver.arrived.values()) if receiver.arrived else started
            if n >= args.warmup:
                latencies.append((arrived - started) * 1000)
            await asyncio.sleep(args.interval)
    finally:
        if workers is not None:
            workers.stop()
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        broker.flush_all()
        broker.close()
        receiver.stop()
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(
        f"status change -> webhook received, Redis broker, {backend}, "
        f"{'in-process workers' if args.in_process else '`hub worker` process'}, "
        f"{args.threads} threads, "
        f"poll <= {args.poll_ms} ms, "
        f"{len(latencies)} samples (prefetch env: {os.environ.get(PREFETCH_ENV, '-')})"
    )
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {pct(latencies, 95):.1f} ms   "
        f"max {max(latencies):.1f} ms   mean {statistics.fmean(latencies):.1f} ms"
    )
    target = "met" if pct(latencies, 95) <= 250 else "MISSED"
    print(f"  target p95 <= 250 ms: {target}")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", default=os.environ.get("HUB_BENCH_REDIS_URL", ""))
    parser.add_argument("--database-url", default=os.environ.get("HUB_BENCH_DATABASE_URL", ""))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument(
        "--in-process", action="store_true", help="workers in this process, not `hub worker`"
    )
    parser.add_argument("--poll-ms", type=int, default=50, help="idle consumer poll ceiling")
    args = parser.parse_args()
    if not args.redis_url.startswith("redis"):
        parser.error("give --redis-url or HUB_BENCH_REDIS_URL (redis://...)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
