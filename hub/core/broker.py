"""The Dramatiq broker chosen by configuration: in-process stub, Redis or RabbitMQ.

Dramatiq binds actors to the global broker when they are declared, so the broker must be set
(``configure_broker``) before any module declaring actors is imported. Every broker carries the
``AsyncIO`` middleware: our actors are coroutines run on one event loop thread per process.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO


def build_broker(broker_url: str, *, namespace: str = "hub") -> dramatiq.Broker:
    """Return the broker for a URL: empty -> in-process stub, redis://, amqp:// (RabbitMQ)."""
    url = broker_url.strip()
    broker: dramatiq.Broker
    if not url:
        broker = StubBroker()
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=namespace)  # type: ignore[no-untyped-call]
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(
            f"Broker URL {url!r} is not supported: leave it empty (in-process), "
            "or use redis://... or amqp://..."
        )
    broker.add_middleware(AsyncIO())
    return broker


def configure_broker(broker_url: str, *, namespace: str = "hub") -> dramatiq.Broker:
    """Build the broker for a URL and make it Dramatiq's global broker."""
    broker = build_broker(broker_url, namespace=namespace)
    dramatiq.set_broker(broker)
    return broker


def is_in_process(broker: dramatiq.Broker) -> bool:
    """Tell whether messages stay in this process (so this process must run the workers)."""
    return isinstance(broker, StubBroker)
