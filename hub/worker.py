"""`hub worker`: Dramatiq worker threads for the notification actors, the sweeper and SLA tick.

Run as many as you like (on as many machines): the sweeper and SLA engine claim rows in the
database, so several workers never double-send. Needs a shared broker (HUB_BROKER_URL).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from hub.core.broadcast import build_broadcaster
from hub.core.broker import configure_broker, is_in_process
from hub.core.clock import SystemClock
from hub.core.secret_key import resolve_secret_key
from hub.core.settings import Settings

log = logging.getLogger(__name__)


class WorkerNeedsBroker(RuntimeError):
    """`hub worker` was started without a shared broker."""


def run_worker(
    settings: Settings, *, threads: int | None = None, stop: threading.Event | None = None
) -> None:
    """Run notification workers until SIGTERM/SIGINT (or `stop` is set)."""
    settings = resolve_secret_key(settings)  # the same key as `hub serve` and the CLI
    broker = configure_broker(settings.broker_url, namespace=settings.broker_namespace)
    if is_in_process(broker):
        raise WorkerNeedsBroker(
            "HUB_BROKER_URL is empty, so `hub serve` runs the workers in-process; set it to "
            "redis://... or amqp://... to run separate workers."
        )
    # Import after the broker is set: declaring actors binds them to the global broker.
    from referrals.notifications.engine import NotificationEngine

    done = stop or threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping the worker", signum)
        done.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    engine = NotificationEngine(
        settings=settings,
        broker=broker,
        clock=SystemClock(),
        broadcaster=build_broadcaster(settings.redis_url),
        run_workers=True,
        run_scheduler=True,
        worker_threads=threads,
    ).start()
    log.info("notification worker running (%d threads)", engine.worker_threads)
    try:
        done.wait()
    finally:
        engine.stop()
        broker.close()
