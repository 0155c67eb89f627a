"""The in-app broadcaster: in-process (also across threads/loops) and Redis pub/sub."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from hub.core.broadcast import Broadcaster, InProcessBroadcaster, RedisBroadcaster


async def _first(broadcaster: Broadcaster, channel: str, ready: asyncio.Event) -> dict[str, object]:
    stream = broadcaster.subscribe(channel)
    getter = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.2)  # the subscription is registered once iteration starts
    ready.set()
    try:
        return await asyncio.wait_for(getter, 10)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


async def test_in_process_delivers_to_channel_subscribers_from_another_thread() -> None:
    hub = InProcessBroadcaster()
    ready = asyncio.Event()
    task = asyncio.create_task(_first(hub, "org:a", ready))
    await ready.wait()
    assert hub.subscriber_count("org:a") == 1

    def publish_elsewhere() -> None:
        # Dramatiq's actors publish from their own thread and event loop.
        asyncio.run(hub.publish("org:b", {"n": 0}))
        asyncio.run(hub.publish("org:a", {"n": 1}))

    thread = threading.Thread(target=publish_elsewhere)
    thread.start()
    thread.join()
    assert await task == {"n": 1}
    assert hub.subscriber_count("org:a") == 0  # closing the iterator unsubscribes


async def test_redis_pubsub_reaches_subscribers_of_another_client() -> None:
    url = os.environ.get("HUB_TEST_REDIS_URL", "").strip()
    if not url:
        pytest.skip("HUB_TEST_REDIS_URL is not set")
    listener, speaker = RedisBroadcaster(url), RedisBroadcaster(url)
    channel = f"org:test-{os.getpid()}"
    try:
        ready = asyncio.Event()
        task = asyncio.create_task(_first(listener, channel, ready))
        await ready.wait()
        await speaker.publish(channel, {"topic": "referral.sent", "version": 2})
        assert await task == {"topic": "referral.sent", "version": 2}
    finally:
        await listener.close()
        await speaker.close()
