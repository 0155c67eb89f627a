"""The coach's search page at scale: whole-page server time in-process and over HTTP, page weight.

    .venv/bin/python bench/generate_directory.py --services 100000 --db /tmp/hub-bench/hub.sqlite3
    .venv/bin/python bench/console_search_bench.py --db /tmp/hub-bench/hub.sqlite3

Builds the search index beside the database unless it is already there (`--index`), adds a
coach (staff of one organization) with a session token as sign-in issues, then asks `/search`
for `search_bench.py`'s query mix (needs, ZIP, radius, Spanish, evenings, free, open now, words,
nationwide) at random ZIPs of the directory. Prints p50/p95 of the whole page (routing, session
check, search, result cards, template) in-process (httpx over ASGI: no socket) and over HTTP
(uvicorn on loopback), first pages and next pages, and the JS + CSS a results page loads, as
transferred (gzip) bytes. The goal: p95 <= 60 ms at 100k services; at most 150 KB of JS + CSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa
import uvicorn
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_bench import KINDS

from hub.app import create_app
from hub.container import build_container
from hub.core.db import transaction
from hub.core.errors import NotFound
from hub.core.settings import Settings
from hub.identity.models import OrgRole
from hub.identity.service import (
    create_user,
    get_user_by_email,
    grant_membership,
    issue_token,
)
from providers.models import Organization
from search.query import SearchQuery

COACH = "bench.coach@bench.example.org"
PASSWORD = "bench-coach-password"
ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+\.(?:js|css))"')
NEXT = re.compile(r'href="(/search\?[^"]*)" rel="next"')


def params(query: SearchQuery) -> dict[str, str]:
    """The search page's query string for a domain query."""
    values: dict[str, Any] = {
        "needs": ",".join(query.needs),
        "q": query.text,
        "near": query.near.postal_code if query.near else "",
        "radius_km": f"{query.radius_km:g}" if query.radius_km else "",
        "lang": ",".join(query.languages),
        "open_now": "1" if query.open_now else "",
        "open_evenings": "1" if query.open_evenings else "",
        "free": "1" if query.free else "",
        "sort": query.sort.value if query.sort.value != "relevance" else "",
    }
    return {k: v for k, v in values.items() if v}


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (milliseconds)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_started(server: uvicorn.Server) -> None:
    """Block until uvicorn listens."""
    while not server.started:
        time.sleep(0.05)


async def coach_token(settings: Settings) -> str:
    """A session token of a coach: staff of the directory's first organization."""
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            org_id = (await session.exec(select(Organization.id).limit(1))).one()
            try:
                user = await get_user_by_email(session=session, email=COACH)
            except NotFound:
                user = await create_user(
                    session=session, email=COACH, name="Bench Coach", password=PASSWORD
                )
                await grant_membership(
                    session=session, user_id=user.id, organization_id=org_id, role=OrgRole.STAFF
                )
            issued = await issue_token(
                session=session,
                user=user,
                name="console",
                ttl=timedelta(hours=2),
                clock=container.clock,
            )
        return issued.token
    finally:
        await container.close()


CPU: list[float] = []  # CPU milliseconds of this process per page (all its threads)


async def timed(client: httpx.AsyncClient, url: str) -> tuple[float, httpx.Response]:
    """Milliseconds to answer one page, and the page (its CPU time goes to `CPU`)."""
    started, cpu = time.perf_counter(), time.process_time()
    answer = await client.get(url)
    CPU.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000, answer


async def page_weight(client: httpx.AsyncClient, html: str) -> tuple[int, int]:
    """(gzip bytes transferred, plain bytes) of the JS and CSS a page loads."""
    sent = plain = 0
    for asset in dict.fromkeys(ASSET.findall(html)):
        answer = await client.get(asset, headers={"accept-encoding": "gzip"})
        sent += answer.num_bytes_downloaded
        plain += len(answer.content)
    return sent, plain


async def measure(client: httpx.AsyncClient, urls: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Time each URL (and its next page), by kind."""
    found: dict[str, list[float]] = {}
    for kind, url in urls:
        took, answer = await timed(client, url)
        assert answer.status_code == 200, (url, answer.status_code)
        found.setdefault(kind, []).append(took)
        following = NEXT.search(answer.text)
        if following:
            took, answer = await timed(client, following.group(1).replace("&amp;", "&"))
            assert answer.status_code == 200
            found.setdefault("(next pages)", []).append(took)
    return found


def report(label: str, timings: dict[str, list[float]]) -> None:
    """Print p50 / p95 per kind and over all."""
    print(f"\n{label}: whole /search page, ms p50 / p95")
    every: list[float] = []
    for kind, values in timings.items():
        every.extend(values)
        print(f"  {kind:<44} {pct(values, 0.5):7.1f} / {pct(values, 0.95):7.1f}  (n={len(values)})")
    print(f"  {'all':<44} {pct(every, 0.5):7.1f} / {pct(every, 0.95):7.1f}  (n={len(every)})")
    print(f"  mean {statistics.mean(every):.1f} ms; load average {os.getloadavg()[0]:.1f}")


async def main(args: argparse.Namespace) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=args.db.parent,
        database_url=f"sqlite+aiosqlite:///{args.db}",
        search_index_path=args.index,
        secret_key="bench-secret-key-0123456789",
        map_tile_url="",
        log_format="console",
        log_level="WARNING",
    )
    if not args.index.exists():
        from search.reindex import reindex

        container = build_container(settings)
        assert container.search_backend is not None
        started = time.perf_counter()
        count = await reindex(
            session_factory=container.session_factory,
            backend=container.search_backend,
            catch_up=False,
        )
        print(f"index build: {count:,} documents in {time.perf_counter() - started:.0f} s")
        await container.close()
    token = await coach_token(settings)
    engine = sa.create_engine(f"sqlite:///{args.db}")
    with engine.connect() as connection:
        zips = [z for (z,) in connection.execute(sa.text("SELECT postal_code FROM address"))]
    engine.dispose()
    rng = random.Random(11)
    urls = [
        (kind, "/search?" + urlencode(params(make(rng.choice(zips)))))
        for _ in range(args.queries)
        for kind, make in KINDS.items()
    ]
    cookies = {"hub_session": token}

    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", cookies=cookies
    ) as client:
        await measure(client, urls[: len(KINDS)])  # warm: gazetteer, column store, templates
        CPU.clear()
        report("in-process (ASGI, no socket)", await measure(client, urls))
        print(
            f"  CPU of this process per page (search threads included): p50 {pct(CPU, 0.5):.1f}"
            f" / p95 {pct(CPU, 0.95):.1f} ms; the rest of the wall time is waiting for a core"
        )
        for _kind, url in urls:
            shown = await client.get(url)
            if 'class="card result"' in shown.text:
                break
        sent, plain = await page_weight(client, shown.text)
        print(
            f"\nJS + CSS of a results page: {sent / 1024:.1f} KB transferred (gzip),"
            f" {plain / 1024:.1f} KB plain; goal <= 150 KB"
        )
    await app.state.container.close()

    served = create_app(settings, notifications=False, fill_search_index=False)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    await asyncio.to_thread(wait_started, server)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30) as client:
        await measure(client, urls[: len(KINDS)])
        report("over HTTP (uvicorn on loopback)", await measure(client, urls))
    server.should_exit = True
    thread.join(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/hub-bench/hub.sqlite3"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    arguments = parser.parse_args()
    if arguments.index is None:
        arguments.index = arguments.db.parent / "search.sqlite3"
    asyncio.run(main(arguments))
