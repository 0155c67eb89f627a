"""Starts and stops the notification pipeline in one process (`hub serve` or `hub worker`).

The assembly code configures the broker first, then builds an engine: it enqueues committed
outbox events, and where asked runs Dramatiq worker threads and the periodic sweeper + SLA tick.
Actors run on Dramatiq's event loop thread with their own database engine, because async
database connections belong to the loop that opened them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from hub.core.broadcast import Broadcaster, InProcessBroadcaster, build_broadcaster
from hub.core.clock import Clock
from hub.core.db import create_engine, create_session_factory
from hub.core.events import EventPublisher, PublishedEvent
from hub.core.settings import Settings
from referrals.notifications import runtime as rt
from referrals.notifications.config import NotificationConfig
from referrals.notifications.email import build_mailer
from referrals.notifications.outbox import sweep
from referrals.notifications.recipients import HANDLED_TOPICS
from referrals.notifications.sms import SmsProvider, build_sms_provider
from referrals.sla import run_sla_tick

log = logging.getLogger(__name__)


class NotificationEngine:
    """The notification pipeline of one process."""

    def __init__(
        self,
        *,
        settings: Settings,
        broker: dramatiq.Broker,
        clock: Clock,
        broadcaster: Broadcaster,
        run_workers: bool,
        run_scheduler: bool,
        worker_threads: int | None = None,
        config: NotificationConfig | None = None,
        sms: SmsProvider | None = None,
    ) -> None:
        from referrals.notifications import actors  # the broker is set by now

        self.settings = settings
        self.broker = broker
        self.config = config or NotificationConfig.from_settings(settings)
        self.run_workers = run_workers
        self.run_scheduler = run_scheduler
        self.worker_threads = worker_threads or settings.worker_threads
        actors.bind(broker)
        self.enqueuer = actors.DramatiqEnqueuer()
        # Redis connections belong to one loop: the actors' loop gets its own client.
        if not isinstance(broadcaster, InProcessBroadcaster):
            broadcaster = build_broadcaster(settings.redis_url)
        self.engine = create_engine(settings.resolved_database_url())
        publisher = EventPublisher()
        publisher.subscribe(self.on_committed)
        self.runtime = rt.NotificationRuntime(
            config=self.config,
            session_factory=create_session_factory(self.engine, publisher=publisher),
            clock=clock,
            broadcaster=broadcaster,
            mailer=build_mailer(self.config.smtp),
            sms=sms or build_sms_provider(self.config.sms_provider),
            enqueue=self.enqueuer,
        )
        self.worker: dramatiq.Worker | None = None
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None

    def on_committed(self, events: list[PublishedEvent]) -> None:
        """Publisher handler: enqueue a dispatch message (the event id only) per referral event."""
        for event in events:
            if event.topic in HANDLED_TOPICS:
                self.enqueuer.dispatch(event.id)

    def attach(self, publisher: EventPublisher) -> None:
        """Enqueue events committed through another session factory (the app's)."""
        publisher.subscribe(self.on_committed)

    def start(self) -> NotificationEngine:
        """Install the runtime and start worker threads and the scheduler as configured."""
        rt.install(self.runtime)
        if self.run_workers:
            self.worker = dramatiq.Worker(
                self.broker,
                worker_threads=self.worker_threads,
                worker_timeout=self.settings.worker_idle_poll_ms,
            )
            self.worker.start()
        if self.run_workers and self.run_scheduler:
            self._scheduler = threading.Thread(
                target=self._schedule, name="hub-notification-scheduler", daemon=True
            )
            self._scheduler.start()
        return self

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the actors' event loop (workers must be running)."""
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            coro.close()
            raise RuntimeError("No Dramatiq event loop: start the engine with workers.")
        return loop_thread.run_coroutine(coro)

    async def run_async(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Await a coroutine that runs on the actors' loop (from another loop, e.g. in tests)."""
        return await asyncio.to_thread(self.run, coro)

    def tick(self) -> None:
        """One round of periodic work: sweep the outbox, then take due SLA steps."""
        swept = self.run(sweep(self.runtime))
        if swept.events or swept.deliveries:
            log.info("sweeper re-enqueued %d events, %d deliveries", swept.events, swept.deliveries)
        sla = self.run(
            run_sla_tick(
                session_factory=self.runtime.session_factory,
                clock=self.runtime.clock,
                config=self.config.sla,
            )
        )
        if sla.reminded or sla.escalated or sla.expired:
            log.info(
                "sla: %d reminded, %d escalated, %d expired",
                len(sla.reminded),
                len(sla.escalated),
                len(sla.expired),
            )

    def _schedule(self) -> None:
        while not self._stop.wait(self.config.outbox_sweep_seconds):
            try:
                self.tick()
            except Exception:
                # The next tick tries again; a database hiccup must not end the scheduler.
                log.exception("periodic notification work failed")

    def stop(self) -> None:
        """Stop the scheduler and workers and release connections."""
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.join(timeout=30)
        if self.worker is not None:
            # Let in-flight messages finish first, so no connection is left open mid-use.
            self.worker.pause()
            try:
                self.run(self._close_async())
            except Exception:
                log.exception("closing notification clients failed")
            self.worker.stop()
            self.worker = None
        if rt.installed() is self.runtime:
            rt.install(None)

    async def _close_async(self) -> None:
        await self.runtime.aclose()
        if not isinstance(self.runtime.broadcaster, InProcessBroadcaster):
            await self.runtime.broadcaster.close()
        await self.engine.dispose()


def start_in_app(
    *,
    settings: Settings,
    publisher: EventPublisher,
    clock: Clock,
    broadcaster: Broadcaster,
    broker: dramatiq.Broker,
    in_process: bool,
) -> NotificationEngine:
    """Start notifications inside `hub serve`: enqueue after commit; with the in-process broker
    also run the worker threads and the periodic sweeper + SLA tick here."""
    engine = NotificationEngine(
        settings=settings,
        broker=broker,
        clock=clock,
        broadcaster=broadcaster,
        run_workers=in_process,
        run_scheduler=in_process,
    )
    engine.attach(publisher)
    return engine.start()
