"""Time listing 100 services with locations, phones and needs over GraphQL (in-process ASGI).

Run after `hub demo`: `HUB_DATA_DIR=... python bench/graphql_services.py [rounds]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import httpx
from sqlalchemy import event

from hub.app import create_app
from hub.container import build_container
from hub.core.settings import Settings

QUERY = """query($after: String) { services(first: 100, after: $after) {
  pageInfo { endCursor hasNextPage }
  edges { node { name organization { name } needs { code } phones { number }
    locations { name latitude addresses { postalCode } phones { number }
                schedules { byday } } } } } }"""


async def main(rounds: int) -> None:
    container = build_container(Settings())
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(container.engine.sync_engine, "before_cursor_execute", count)
    app = create_app(container=container, notifications=False)
    transport = httpx.ASGITransport(app=app)
    timings: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        after = None
        for _ in range(rounds):
            start = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": QUERY, "variables": {"after": after}}
            )
            timings.append((time.perf_counter() - start) * 1000)
            page = response.json()["data"]["services"]
            after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    await container.close()
    timings.sort()
    print(
        f"{rounds} pages of 100 services: median {statistics.median(timings):.1f} ms, "
        f"p90 {timings[int(len(timings) * 0.9) - 1]:.1f} ms, "
        f"{statements / rounds:.1f} SQL statements per page"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
