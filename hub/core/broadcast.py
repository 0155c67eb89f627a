"""In-app fan-out for live subscriptions: in-process queues by default, Redis pub/sub when set.

Messages are small JSON-serialisable dicts (event topic, ids, statuses; never personal data).
Channels are plain strings such as ``org:<organization_id>``. Delivery is best effort: a slow or
absent subscriber misses messages rather than blocking publishers; the outbox and the GraphQL
queries stay the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol

log = logging.getLogger(__name__)

Message = dict[str, Any]


class Broadcaster(Protocol):
    """Publish messages to named channels and iterate over what arrives on one."""

    async def publish(self, channel: str, message: Message) -> None:
        """Send a message to every current subscriber of a channel."""
        ...

    def subscribe(self, channel: str) -> AsyncIterator[Message]:
        """Yield messages published to a channel from now on, until the iterator is closed."""
        ...

    async def close(self) -> None:
        """Release connections; subscriptions end."""
        ...


class InProcessBroadcaster:
    """Broadcaster for a single process: one bounded asyncio queue per subscriber.

    Publishing is safe from any thread or event loop (in-process Dramatiq workers run actors on
    their own loops): each queue is fed on the loop its subscriber runs on.
    """

    def __init__(self, *, queue_size: int = 256) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[
            str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]]
        ] = defaultdict(set)

    async def publish(self, channel: str, message: Message) -> None:
        """Send a message to every current subscriber of a channel."""
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - publish is a coroutine, a loop runs
            current = None
        for loop, queue in list(self._subscribers.get(channel, ())):
            if loop is current:
                _offer(queue, channel, message)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_offer, queue, channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[Message]:
        """Yield messages published to a channel from now on, until the iterator is closed."""
        queue: asyncio.Queue[Message] = asyncio.Queue(self._queue_size)
        entry = (asyncio.get_running_loop(), queue)
        self._subscribers[channel].add(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(entry)
                if not subscribers:
                    self._subscribers.pop(channel, None)

    def subscriber_count(self, channel: str) -> int:
        """Tell how many subscribers a channel has (tests, metrics)."""
        return len(self._subscribers.get(channel, ()))

    async def close(self) -> None:
        """Forget every subscriber."""
        self._subscribers.clear()


def _offer(queue: asyncio.Queue[Message], channel: str, message: Message) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        # A stalled subscriber must not block the dispatcher; it loses this message.
        log.warning("broadcast subscriber on %s is full; message dropped", channel)


class RedisBroadcaster:
    """Broadcaster over Redis pub/sub, so every app replica sees what any worker publishes."""

    def __init__(self, url: str, *, prefix: str = "hub:") -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url, decode_responses=True)
        self._prefix = prefix

    async def publish(self, channel: str, message: Message) -> None:
        """Send a message to every current subscriber of a channel, on any replica."""
        await self._redis.publish(self._prefix + channel, json.dumps(message, default=str))

    async def subscribe(self, channel: str) -> AsyncIterator[Message]:
        """Yield messages published to a channel from now on, until the iterator is closed."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._prefix + channel)
        try:
            while True:
                raw = await pubsub.get_message(timeout=1.0)
                if raw is None:
                    continue
                try:
                    yield json.loads(raw["data"])
                except (TypeError, ValueError):
                    log.warning("ignoring a malformed broadcast on %s", channel)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
            # redis 8 types aclose; older releases did not: the ignore is needed by one only.
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]

    async def close(self) -> None:
        """Close the Redis connection pool."""
        await self._redis.aclose()


def build_broadcaster(redis_url: str) -> Broadcaster:
    """Return the Redis broadcaster when a URL is configured, else the in-process one."""
    if redis_url:
        return RedisBroadcaster(redis_url)
    return InProcessBroadcaster()
