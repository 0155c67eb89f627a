"""Search benchmark: index build, then a fixed query mix in-process, raw on SQLite, and over HTTP.

    .venv/bin/python bench/generate_directory.py --services 100000 --db /tmp/hub-bench/hub.sqlite3
    .venv/bin/python bench/search_bench.py --db /tmp/hub-bench/hub.sqlite3

Prints p50/p95 latency (ms) per query kind for: the search domain function in-process (what the
GraphQL resolver calls: validation, place lookup, backend with its result cache, search log),
its CPU time, the backend with its cache off (every search counted and faceted afresh), the
same engine work run raw on a plain sqlite3 connection (no pool, thread hop, cache or
hydration), and `searchServices` over GraphQL HTTP (uvicorn on loopback, its own container and
cache); the ratios of in-process and uncached backend to raw at p95; plus index build time,
index size and peak RSS (which counts the index file's pages each connection has mapped).

Raw is, for a search with a place, the very statements the backend compiles (same SQL text,
pragmas and `geo_km` function; the facet codes the total statement returns are not counted);
for one without, the backend's column path: the words' FTS5 statement, the same numpy step
(match, filters, score, facet counts, page candidates) over a column store loaded once
beforehand, as the backend keeps one per index generation, and the candidates' rows. The three
in-process columns run in turn, each iteration starting with the next one, so that each pays
for touching a place's pages first equally often. The machine may be shared: CPU time shows
the work, wall time adds the waiting.

With `--peer postgres URL` the same documents are also loaded into a PostgreSQL search table
(`search_peer.py`: PostGIS, weighted tsvector with GIN, GIN arrays, the hub's score formula)
and every query runs there too, plainly and with the geo index forced first; a second table
prints per kind the hub's uncached and in-process p95 beside PostgreSQL's and the ratio, and
the number of queries whose totals disagree.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from search_peer import Peer
from search_peer import build as build_peer

from hub.app import create_app
from hub.container import build_container
from hub.core.settings import Settings
from hub.identity.principal import ANONYMOUS
from providers.geocoding.gazetteer import load_gazetteer
from search.embedded import EmbeddedBackend, columnar, planner, textscore
from search.embedded.backend import cache_key
from search.embedded.columns import ColumnStore
from search.embedded.compiler import (
    HIGHLIGHT_LOOKUP_SQL,
    HIGHLIGHT_SQL,
    compile_search,
    match_expression,
)
from search.embedded.schema import SCHEMA_VERSION, TEMP_DDL
from search.embedded.store import GENERATION_SQL, connect
from search.embedded.vocabulary import Vocabulary
from search.models import SearchPage, SearchRequest, SortOrder
from search.needs import load_tree
from search.query import Near, SearchQuery
from search.service import search_services
from search.validate import to_request

ORDER: tuple[str, ...] = ("inproc", "backend", "raw")
PEER_ORDER = ("peer", "peer_geo")
KINDS: dict[str, Callable[[str], SearchQuery]] = {
    "example (needs+ZIP 10km+es+evenings+free)": lambda z: SearchQuery(
        needs=("childcare", "transportation"),
        near=Near(postal_code=z),
        radius_km=10.0,
        languages=("es",),
        open_evenings=True,
        free=True,
    ),
    "need near ZIP 25km, by distance": lambda z: SearchQuery(
        needs=("food",), near=Near(postal_code=z), radius_km=25.0, sort=SortOrder.DISTANCE
    ),
    "text 'job training' near ZIP 50km": lambda z: SearchQuery(
        text="job training", near=Near(postal_code=z), radius_km=50.0
    ),
    "need + open now near ZIP 15km": lambda z: SearchQuery(
        needs=("housing",), near=Near(postal_code=z), radius_km=15.0, open_now=True
    ),
    "text 'GED' nationwide": lambda z: SearchQuery(text="GED"),
    "need + Spanish nationwide": lambda z: SearchQuery(needs=("employment",), languages=("es",)),
}

GRAPHQL = """query($input: SearchServicesInput!, $sort: SearchSort) {
  searchServices(input: $input, sort: $sort, first: 20) {
    ... on SearchServiceConnection { totalCount
      facets { needs { value count } languages { value count } organizations { label count }
               deliveryModes { value count } }
      edges { distanceKm score highlights { field fragments } service { id name } } }
    ... on ValidationFailed { code } } }"""


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def highlight(connection: sqlite3.Connection, expression: str | None, rowids: list[int]) -> None:
    """Run the highlight statement on a page's rows, as the backend does."""
    if expression and rowids:
        params = {"q": expression, "rowids": "[" + ",".join(map(str, rowids)) + "]"}
        lookup = textscore.prefix_indexed(connection, expression)
        connection.execute(HIGHLIGHT_LOOKUP_SQL if lookup else HIGHLIGHT_SQL, params).fetchall()


def raw_run(
    connection: sqlite3.Connection,
    request: SearchRequest,
    words: Vocabulary,
    columns: ColumnStore,
    stats: planner.Stats,
) -> int:
    """Run the statements (or the numpy step) the backend runs for this request, raw."""
    request = cache_key(request)
    if columnar.eligible(request):
        # The same steps as the backend's column path: the words' FTS5 rows, the numpy step
        # (match, filters, score, facet counts, page candidates), the candidates' rows.
        connection.execute("BEGIN")
        expression = match_expression(request.text)
        text = None if expression is None else columnar.text_matches(connection, expression)
        selection = columnar.select(columns, request, words, text)
        rows = columnar.page_rows(connection, selection, request)
        highlight(connection, expression, [r[0] for r in rows[: request.first]])
        connection.execute("ROLLBACK")
        return selection.total
    compiled = compile_search(request, timezones=words.zones, language_bits=words.language_bits)
    connection.execute("BEGIN")
    connection.execute("DELETE FROM temp.hit")
    # The planner's choices, as the backend makes them (with counts kept per index generation,
    # as the backend keeps them).
    scored = planner.run_match(connection, stats, compiled, request.needs)
    # The total with every match's facet codes (counting them is the backend's Python work).
    total = connection.execute(compiled.total_sql).fetchone()[0]
    rows = connection.execute(compiled.page_sql, compiled.page_params).fetchall()
    if not scored:  # else they were highlighted as they were scored
        highlight(connection, compiled.match_expression, [r[0] for r in rows[: request.first]])
    connection.execute("ROLLBACK")
    return int(total)


def row(label: str, hits: str, timings: dict[str, list[float]], keys: tuple[str, ...]) -> str:
    """One line of the table: p50/p95 per column, then the p95 ratios to raw."""
    cells = " | ".join(f"{pct(timings[k], 0.5):5.1f} /{pct(timings[k], 0.95):6.1f}" for k in keys)
    raw95 = max(pct(timings["raw"], 0.95), 1e-9)
    ratios = (
        f"{pct(timings['inproc'], 0.95) / raw95:>10.2f}x |"
        f" {pct(timings['backend'], 0.95) / raw95:>11.2f}x"
    )
    return f"{label:<42} {hits:>6} | {cells} | {ratios}"


def peer_row(label: str, timings: dict[str, list[float]], disagree: int) -> str:
    """One line of the peer table: p95 of the hub's columns and PostgreSQL's, and the ratio."""
    p95 = {k: pct(v, 0.95) for k, v in timings.items()}
    best = max(min(p95["peer"], p95["peer_geo"]), 1e-9)
    cells = " | ".join(
        f"{p95[k]:6.1f} ({p95[f'{k}_cpu']:5.1f})" for k in ("backend", "inproc", "peer", "peer_geo")
    )
    ratio = p95["backend"] / best
    return f"{label:<42} | {cells} | {ratio:>13.2f}x | {disagree:>8}"


def print_peer(lines: list[str], overall: dict[str, list[float]]) -> None:
    """The table of the hub against PostgreSQL (p95 ms, CPU ms in brackets)."""
    columns = ("hub uncached", "hub in-proc", "PG plain", "PG geo first")
    header = f"{'query':<42} | " + " | ".join(f"{c:>14}" for c in columns)
    header += f" | {'uncached/best':>14} | {'disagree':>8}"
    print(
        "\nagainst PostgreSQL: p95 ms (CPU ms of this process; the PostgreSQL server's own CPU"
        " is not in it), ratio of hub uncached to PostgreSQL's better column"
    )
    print(header)
    print("-" * len(header))
    for line in lines:
        print(line)
    print(peer_row("all queries", overall, 0))


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Run uvicorn on a free loopback port in a thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, port


def graphql_variables(query: SearchQuery) -> dict[str, Any]:
    """The GraphQL input of a query of the mix."""
    data: dict[str, Any] = {
        "openEvenings": query.open_evenings,
        "free": query.free,
        "openNow": query.open_now,
    }
    if query.needs:
        data["needs"] = list(query.needs)
    if query.text:
        data["text"] = query.text
    if query.languages:
        data["languages"] = list(query.languages)
    if query.near is not None:
        data["near"] = {"postalCode": query.near.postal_code}
        data["radiusKm"] = query.radius_km
    return {"input": data, "sort": query.sort.name}


def index_layout(path: Path) -> int:
    """The layout version of an index file (0: none yet)."""
    if not path.exists():
        return 0
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


async def main(args: argparse.Namespace) -> None:
    if args.skip_build and (layout := index_layout(args.index)) != SCHEMA_VERSION:
        # Opening it would recreate it empty, and every query would find nothing.
        raise SystemExit(
            f"{args.index} has index layout {layout}, this code needs {SCHEMA_VERSION}:"
            " run without --skip-build to rebuild it (or give another --index)"
        )
    settings = Settings(
        _env_file=None,
        data_dir=args.db.parent,
        database_url=f"sqlite+aiosqlite:///{args.db}",
        search_index_path=args.index,
        log_format="console",
    )
    container = build_container(settings)
    backend = container.search_backend
    assert backend is not None
    load_gazetteer()
    print(f"peak RSS before indexing: {rss_mb():.0f} MB")
    if not args.skip_build:
        from search.reindex import reindex

        started, cpu = time.perf_counter(), time.process_time()
        count = await reindex(
            session_factory=container.session_factory, backend=backend, catch_up=False
        )
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = args.index.stat().st_size / 2**20
        print(
            f"index build: {count:,} documents in {took:.1f} s ({count / took:,.0f} docs/s);"
            f" CPU {cpu:.1f} s; index file {size:.0f} MB; peak RSS {rss_mb():.0f} MB"
        )
    print(f"documents in index: {await backend.count():,}")
    peer = None
    if args.peer:
        with sqlite3.connect(args.index) as source:
            rows, loaded, size, postgis = build_peer(args.peer[1], source)
        kind = "PostGIS" if postgis else "cube/earthdistance"
        print(
            f"PostgreSQL peer ({kind}): {rows:,} rows loaded and indexed in {loaded:.1f} s"
            f" ({rows / loaded:,.0f} rows/s); table with indexes {size:.0f} MB"
        )
        peer = Peer.open(args.peer[1], postgis)
    order = ORDER + (PEER_ORDER if peer else ())

    rng = random.Random(11)
    async with container.session_factory() as session:
        zips = [
            z
            for (z,) in (
                await session.exec(
                    __import__("sqlalchemy").text(
                        "SELECT postal_code FROM address ORDER BY postal_code"
                    )
                )
            ).all()
        ]
        tree = await load_tree(session)
    picks = [rng.choice(zips) for _ in range(args.queries)]
    raw = connect(args.index)
    raw.executescript(TEMP_DDL)
    uncached = EmbeddedBackend(args.index, cache_size=0)
    words = Vocabulary.read(raw)
    # The column store is engine state, like SQLite's page cache: the backend loads it once per
    # index generation (then patches it with the chunks a write changed); so does raw, and
    # likewise the planner's counts.
    started, cpu = time.perf_counter(), time.process_time()
    raw.execute("BEGIN")
    generation = int(raw.execute(GENERATION_SQL).fetchone()[0])
    store = ColumnStore.read(raw, generation)
    phrase_stats = planner.Stats(generation, textscore.Totals.read(raw))
    raw.execute("ROLLBACK")
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"column store load: {took * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms), once per generation")
    # Its own container (so its own result cache): an HTTP query is not served from the cache
    # the in-process call of the same query has just filled.
    served = build_container(settings)
    server, thread, port = serve(create_app(container=served))
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
    columns = ("in-proc", "in-proc CPU", "uncached", "uncached CPU", "raw", "raw CPU", "HTTP")
    header = f"{'query':<42} {'hits':>6} | " + " | ".join(f"{c:>14}" for c in columns)
    header += f" | {'in-proc/raw':>11} | {'uncached/raw':>12}"
    print("milliseconds, p50 / p95 over the queries of each kind")
    print(header)
    print("-" * len(header))
    keys: tuple[str, ...] = ("inproc", "inproc_cpu", "backend", "backend_cpu", "raw", "raw_cpu")
    keys += ("http",)
    keys += tuple(k for c in PEER_ORDER for k in (c, f"{c}_cpu")) if peer else ()
    overall: dict[str, list[float]] = {k: [] for k in keys}
    peer_lines: list[str] = []
    for kind, make in KINDS.items():
        timings: dict[str, list[float]] = {k: [] for k in keys}
        totals = []
        disagree = 0
        for index, zip_code in enumerate([picks[0], *picks]):
            query = make(zip_code)
            request = await to_request(
                query,
                tree=tree,
                geocoder=container.geocoder,
                gazetteer=load_gazetteer(),
                now=container.clock.now(),
                stale_after_days=365,
            )

            async def in_process(query: SearchQuery = query) -> SearchPage:
                async with container.session_factory() as session:
                    _, page = await search_services(
                        session=session,
                        backend=backend,
                        geocoder=container.geocoder,
                        clock=container.clock,
                        actor=ANONYMOUS,
                        query=query,
                        log_writer=container.search_log,  # as the GraphQL resolver does
                    )
                return page

            # Rotated, so that each column runs first (touching cold pages and caches for the
            # others) as often as the others.
            spent: dict[str, float] = {}
            peer_totals = []
            for step in range(len(order)):
                column = order[(index + step) % len(order)]
                c0, t0 = time.process_time(), time.perf_counter()
                if column == "inproc":
                    page = await in_process()
                elif column == "backend":
                    await uncached.search(request)
                elif column == "raw":
                    raw_total = raw_run(raw, request, words, store, phrase_stats)
                else:
                    assert peer is not None
                    peer_totals.append(peer.search(request, geo_first=column == "peer_geo"))
                spent[column] = time.perf_counter() - t0
                spent[f"{column}_cpu"] = time.process_time() - c0
            t3 = time.perf_counter()
            response = await http.post(
                "/graphql", json={"query": GRAPHQL, "variables": graphql_variables(query)}
            )
            t4 = time.perf_counter()
            assert response.status_code == 200, response.text
            assert "totalCount" in response.text, response.text
            assert raw_total == page.total, (raw_total, page.total)
            disagree += any(t != page.total for t in peer_totals)
            if index == 0:
                continue  # warm-up
            totals.append(page.total)
            spent["http"] = t4 - t3
            for key in keys:
                timings[key].append(spent[key] * 1000)
        for key in keys:
            overall[key] += timings[key]
        print(row(kind, f"{statistics.median(totals):>6.0f}", timings, keys))
        if peer:
            peer_lines.append(peer_row(kind, timings, disagree))
    print(row("all queries", "", overall, keys))
    if peer:
        print_peer(peer_lines, overall)
        peer.close()
    print(f"peak RSS: {rss_mb():.0f} MB")
    await http.aclose()
    server.should_exit = True
    thread.join()
    raw.close()
    await uncached.close()
    await served.close()
    await container.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/hub-bench/hub.sqlite3"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--queries", type=int, default=100, help="Queries per kind.")
    parser.add_argument(
        "--peer",
        nargs=2,
        metavar=("KIND", "URL"),
        help="Also run every query on a PostgreSQL peer: --peer postgres postgresql://...",
    )
    parser.add_argument("--skip-build", action="store_true", help="Reuse the existing index.")
    parsed = parser.parse_args()
    parsed.index = parsed.index or parsed.db.parent / "search.sqlite3"
    asyncio.run(main(parsed))
