"""Fixtures: real SMTP sink, real webhook receiver, notification settings and engines."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator

import pytest

from hub.core.broadcast import InProcessBroadcaster
from hub.core.broker import configure_broker
from hub.core.clock import SystemClock
from hub.core.db import SessionFactory, create_session_factory
from hub.core.events import EventPublisher
from hub.core.settings import Settings
from referrals.notifications.engine import NotificationEngine
from referrals.notifications.sms import LoggingSmsProvider
from tests.notifications.servers import LOOPBACK_HOSTS, SmtpSink, WebhookReceiver

REDIS_ENV = "HUB_TEST_REDIS_URL"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a loopback port."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP webhook receiver that verifies signatures."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def notify_settings(settings: Settings, smtp_sink: SmtpSink) -> Settings:
    """Test settings with SMTP pointed at the sink and short grace periods."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_sink.port,
            "smtp_sender": "hub@hub.example.org",
            "public_base_url": "https://hub.example.org",
            "outbox_sweep_seconds": 0.3,
            "outbox_grace_seconds": 1.0,
            "webhook_backoff_base_seconds": 0.05,
            "webhook_backoff_max_seconds": 0.2,
            "webhook_max_attempts": 4,
            "delivery_lease_seconds": 3.0,
            "worker_threads": 4,
            "webhook_allow_hosts": list(LOOPBACK_HOSTS),
        }
    )


def redis_url() -> str:
    """The test Redis URL, or skip."""
    url = os.environ.get(REDIS_ENV, "").strip()
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set")
    return url


@pytest.fixture
def sms() -> LoggingSmsProvider:
    """The logging SMS provider, whose `sent` list tests read."""
    return LoggingSmsProvider()


EngineMaker = Callable[..., NotificationEngine]


@pytest.fixture
def start_engine(notify_settings: Settings, sms: LoggingSmsProvider) -> Iterator[EngineMaker]:
    """Start a notification engine (in-process broker unless told) and stop it afterwards."""
    engines: list[NotificationEngine] = []

    def make(
        *,
        broker_url: str = "",
        run_workers: bool = True,
        run_scheduler: bool = True,
        settings: Settings | None = None,
        broadcaster: InProcessBroadcaster | None = None,
        namespace: str | None = None,
    ) -> NotificationEngine:
        the_settings = settings or notify_settings
        namespace = namespace or f"hub-test-{uuid.uuid4().hex[:8]}"
        broker = configure_broker(broker_url, namespace=namespace)
        engine = NotificationEngine(
            settings=the_settings,
            broker=broker,
            clock=SystemClock(),
            broadcaster=broadcaster or InProcessBroadcaster(),
            run_workers=run_workers,
            run_scheduler=run_scheduler,
            sms=sms,
        )
        engines.append(engine.start())
        return engine

    yield make
    for engine in reversed(engines):
        engine.stop()
        engine.broker.flush_all()  # Redis: drop this test's namespace
        engine.broker.close()


@pytest.fixture
def app_factory(
    engine: object, notify_settings: Settings
) -> Callable[[NotificationEngine], SessionFactory]:
    """A session factory like the app's: committed events go to the engine's enqueue handler."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    assert isinstance(engine, AsyncEngine)

    def make(notifications: NotificationEngine) -> SessionFactory:
        publisher = EventPublisher()
        notifications.attach(publisher)
        return create_session_factory(engine, publisher=publisher)

    return make


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, every: float = 0.05
) -> None:
    """Poll until `check` holds; fail the test if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(every)
