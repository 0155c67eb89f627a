"""EmbeddedBackend: searches and maintains the SQLite FTS5 + R*Tree index file off the loop."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from search.backend import Progress, SearchBackend
from search.document import ServiceDocument
from search.embedded import columnar, planner, store, textscore
from search.embedded.columns import ColumnStore, mark_rebuilt
from search.embedded.compiler import (
    HIGHLIGHT_FIELDS,
    HIGHLIGHT_LOOKUP_SQL,
    HIGHLIGHT_SQL,
    CompiledSearch,
    compile_search,
    match_expression,
)
from search.embedded.vocabulary import Vocabulary, counted_values, facet_values
from search.highlight import marked, needs_marked
from search.models import (
    Capability,
    Cursor,
    FacetValue,
    Highlight,
    SearchHit,
    SearchPage,
    SearchRequest,
)

# Results kept per index generation (like Elasticsearch's request cache): repeated searches,
# such as a nationwide need, skip counting and faceting a large match set again.
CACHE_SIZE = 256
# A search of a kind whose recent searches all took less than this runs on the caller's thread:
# for them the hop to a worker thread and back (and the work on a cold core) costs about as
# much as the search. Others, and the first search of each kind, go to a worker thread, so the
# event loop is never held longer than about this.
INLINE_BUDGET_SECONDS = 0.003
# After a search of a kind took `t`, its cost is max(t, decayed): one slow search sends the next
# ones of its kind to a worker thread until cheap ones have brought the estimate back down.
_COST_DECAY = 0.8
_RADIUS_STEPS_KM = (5.0, 10.0, 25.0, 50.0, 100.0)


def _to_minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def cache_key(request: SearchRequest) -> SearchRequest:
    """The request as searched: the clock read to the minute (open-now is by the minute)."""
    stale_before = _to_minute(request.stale_before)
    return replace(request, now=_to_minute(request.now), stale_before=stale_before)


def _marked_fields(marks: str) -> tuple[Highlight, ...]:
    """The highlights of a row's text fields, from their JSON array (see MARKS_SQL)."""
    pairs = zip(HIGHLIGHT_FIELDS, json.loads(marks), strict=True)
    return tuple(h for f, v in pairs if (h := marked(f, [v])) is not None)


class _WouldWait(Exception):
    """An inline search would have to load the column store first."""


def _search_kind(request: SearchRequest, *, columns: bool = True) -> tuple[object, ...]:
    """What a search's cost mostly depends on: column or SQL path, words, radius, open-now."""
    radius = request.radius_km
    step = None if radius is None else next((s for s in _RADIUS_STEPS_KM if radius <= s), -1.0)
    placeless = columns and columnar.eligible(request)
    return (placeless, bool(request.text.strip()), step, request.open_now)


class EmbeddedBackend(SearchBackend):
    """The default backend: an index file beside (or apart from) the primary database."""

    name: ClassVar[str] = "embedded"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(self, path: Path, *, cache_size: int = CACHE_SIZE, columnar: bool = True) -> None:
        self.path = path
        # Answer searches with no place from the column store (False: always by SQL).
        self.columnar = columnar
        self._pool: store.ConnectionPool | None = None
        # Threads (a startup fill's count, a first search) may open the pool at once: only
        # one may create the schema, or one sees the file while the other is making it.
        self._pool_lock = threading.Lock()
        self._write_lock = asyncio.Lock()
        self._known: tuple[int, Vocabulary] | None = None
        self._columns: ColumnStore | None = None
        self._columns_lock = threading.Lock()
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[int, SearchRequest], SearchPage] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.inline_budget = INLINE_BUDGET_SECONDS
        self._costs: dict[tuple[object, ...], float] = {}  # seconds, by _search_kind
        self._planner_stats: planner.Stats | None = None

    @property
    def pool(self) -> store.ConnectionPool:
        """Connections, opened (and the schema created) on first use."""
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = store.ConnectionPool(self.path)
                pool = self._pool
        return pool

    async def close(self) -> None:
        """Close every connection to the index file."""
        async with self._write_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # Reads

    def _vocabulary(self, connection: sqlite3.Connection, generation: int) -> Vocabulary:
        known = self._known
        if known is None or known[0] != generation:
            known = (generation, Vocabulary.read(connection))
            self._known = known
        return known[1]

    def _column_store(self, connection: sqlite3.Connection, generation: int) -> ColumnStore:
        """The column store of this generation (loaded once, then patched with what changed)."""
        known = self._columns
        if known is not None and known.generation == generation:
            return known
        with self._columns_lock:  # one thread loads it; the others wait and share it
            known = self._columns
            if known is not None and known.generation == generation:
                return known
            loaded = ColumnStore.read(connection, generation, known)
            if known is None or loaded.generation > known.generation:
                self._columns = loaded
            return loaded

    def _cached(self, key: tuple[int, SearchRequest]) -> SearchPage | None:
        with self._cache_lock:
            page = self._cache.get(key)
            if page is not None:
                self._cache.move_to_end(key)
            return page

    def _remember(self, key: tuple[int, SearchRequest], page: SearchPage) -> None:
        if self.cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[key] = page
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    async def search(self, request: SearchRequest) -> SearchPage:
        """Serve a cached page or a search known to be quick at once, else use a worker thread."""
        kind = _search_kind(request, columns=self.columnar)
        cost = self._costs.get(kind)
        if cost is not None and cost < self.inline_budget:
            page = self._search_inline(request, kind)
        else:
            page = self._peek(request)
        if page is not None:
            return page
        return await asyncio.to_thread(self._search, request, kind)

    def _search_inline(self, request: SearchRequest, kind: tuple[object, ...]) -> SearchPage | None:
        """Search on the caller's thread, or None if that would wait (for the reader, a lock or
        loading the column store)."""
        if self._pool is None:
            return None
        with self._pool.inline() as connection:
            if connection is None:
                return None
            try:
                return self._search_on(connection, request, kind, inline=True)
            except (sqlite3.OperationalError, _WouldWait):
                return None  # a worker thread will wait instead

    def _peek(self, request: SearchRequest) -> SearchPage | None:
        # Only once the pool is open (opening it may wait for locks; a search opens it).
        if self.cache_size <= 0 or self._pool is None:
            return None
        generation = self._pool.generation()
        if generation is None:
            return None
        return self._cached((generation, cache_key(request)))

    def _search(self, request: SearchRequest, kind: tuple[object, ...]) -> SearchPage:
        with self.pool.reader() as connection:
            return self._search_on(connection, request, kind)

    def _search_on(
        self,
        connection: sqlite3.Connection,
        request: SearchRequest,
        kind: tuple[object, ...],
        *,
        inline: bool = False,
    ) -> SearchPage:
        request = cache_key(request)
        # One read transaction: the generation, count, page and facets see one snapshot.
        connection.execute("BEGIN")
        try:
            generation = int(connection.execute(store.GENERATION_SQL).fetchone()[0])
            key = (generation, request)
            page = self._cached(key)
            if page is None:
                words = self._vocabulary(connection, generation)
                started = time.perf_counter()
                if self.columnar and columnar.eligible(request):
                    known = self._columns
                    if inline and (known is None or known.generation != generation):
                        raise _WouldWait
                    columns = self._column_store(connection, generation)
                    started = time.perf_counter()  # loading it is the generation's cost
                    page = self._run_columnar(connection, columns, request, words)
                else:
                    compiled = compile_search(
                        request, timezones=words.zones, language_bits=words.language_bits
                    )
                    page = self._run(connection, compiled, request, words, generation)
                took = time.perf_counter() - started
                self._costs[kind] = max(took, self._costs.get(kind, took) * _COST_DECAY)
                self._remember(key, page)
            return page
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")

    def _run(
        self,
        connection: sqlite3.Connection,
        compiled: CompiledSearch,
        request: SearchRequest,
        words: Vocabulary,
        generation: int,
    ) -> SearchPage:
        connection.execute("DELETE FROM temp.hit")
        stats = self._stats(connection, generation)
        scored = planner.run_match(connection, stats, compiled, request.needs)
        total, blob = connection.execute(compiled.total_sql).fetchone()
        rows = connection.execute(compiled.page_sql, compiled.page_params).fetchall()
        facets = facet_values(connection, blob, words) if request.facets else {}
        if scored:  # highlighted as they were scored: no second pass over the words' matches
            texts = {row[0]: _marked_fields(row[6]) for row in rows[: request.first]}
            return self._page(connection, None, request, rows, total, facets, texts)
        return self._page(connection, compiled.match_expression, request, rows, total, facets)

    def _stats(self, connection: sqlite3.Connection, generation: int) -> planner.Stats:
        """The planner's counts of this index generation (kept until the next write)."""
        stats = self._planner_stats
        if stats is None or stats.generation != generation:
            stats = planner.Stats(generation, textscore.Totals.read(connection))
            self._planner_stats = stats
        return stats

    def _run_columnar(
        self,
        connection: sqlite3.Connection,
        columns: ColumnStore,
        request: SearchRequest,
        words: Vocabulary,
    ) -> SearchPage:
        expression = match_expression(request.text)
        text = None if expression is None else columnar.text_matches(connection, expression)
        selection = columnar.select(columns, request, words, text)
        rows = columnar.page_rows(connection, selection, request)
        facets = counted_values(connection, selection.counted, words) if request.facets else {}
        return self._page(connection, expression, request, rows, selection.total, facets)

    def _page(
        self,
        connection: sqlite3.Connection,
        expression: str | None,
        request: SearchRequest,
        rows: Sequence[tuple[Any, ...]],
        total: int,
        facets: dict[str, tuple[FacetValue, ...]],
        texts: dict[int, tuple[Highlight, ...]] | None = None,
    ) -> SearchPage:
        page = rows[: request.first]
        if texts is None:
            texts = self._text_highlights(connection, expression, [r[0] for r in page])
        hits = tuple(self._hit(row, texts.get(row[0], ()), request) for row in page)
        last = hits[-1] if hits and len(rows) > request.first else None
        cursor = Cursor(last.sort_value, last.document_id) if last else None
        return SearchPage(hits=hits, total=int(total), facets=facets, next_cursor=cursor)

    def _text_highlights(
        self, connection: sqlite3.Connection, expression: str | None, rowids: list[int]
    ) -> dict[int, tuple[Highlight, ...]]:
        if expression is None or not rowids:
            return {}
        params = {"q": expression, "rowids": json.dumps(rowids)}
        lookup = textscore.prefix_indexed(connection, expression)
        sql = HIGHLIGHT_LOOKUP_SQL if lookup else HIGHLIGHT_SQL
        return {rowid: _marked_fields(marks) for rowid, marks in connection.execute(sql, params)}

    def _hit(
        self, row: tuple[Any, ...], texts: tuple[Highlight, ...], request: SearchRequest
    ) -> SearchHit:
        _rowid, doc_id, score, dist, sort, body_json = row[:6]
        service, location, organization, name, organization_name, needs = json.loads(body_json)
        marked_needs = needs_marked(needs, request.needs)
        return SearchHit(
            document_id=doc_id,
            service_id=service,
            location_id=location,
            organization_id=organization,
            service_name=name,
            organization_name=organization_name,
            distance_km=dist,
            score=float(score),
            highlights=texts + ((marked_needs,) if marked_needs else ()),
            sort_value=float(sort),
        )

    async def count(self) -> int:
        """How many documents are indexed."""

        def run() -> int:
            with self.pool.reader() as connection:
                return int(connection.execute("SELECT count(*) FROM doc").fetchone()[0])

        return await asyncio.to_thread(run)

    async def document_ids(
        self,
        *,
        service_ids: Sequence[str] = (),
        location_ids: Sequence[str] = (),
        organization_ids: Sequence[str] = (),
    ) -> set[str]:
        """Ids of documents of these services, locations or organizations."""
        wanted = {
            "service_id": json.dumps(list(service_ids)),
            "location_id": json.dumps(list(location_ids)),
            "organization_id": json.dumps(list(organization_ids)),
        }
        sql = " UNION ".join(
            f"SELECT id FROM doc WHERE {column} IN (SELECT value FROM json_each(:{column}))"
            for column in wanted
        )

        def run() -> set[str]:
            with self.pool.reader() as connection:
                return {r[0] for r in connection.execute(sql, wanted)}

        return await asyncio.to_thread(run)

    # Writes

    async def _write(self, work: Any, *args: Any) -> Any:
        async with self._write_lock:
            return await asyncio.to_thread(self._transaction, work, *args)

    def _transaction(self, work: Any, *args: Any) -> Any:
        writer = self.pool.writer
        writer.execute("BEGIN IMMEDIATE")
        try:
            result = work(writer, *args)
            store.bump_generation(writer)
        except BaseException:
            writer.execute("ROLLBACK")
            raise
        writer.execute("COMMIT")
        return result

    async def index(self, documents: Sequence[ServiceDocument]) -> None:
        """Insert or replace documents (older versions never overwrite newer ones)."""
        if documents:
            await self._write(store.upsert, list(documents))

    async def delete(self, document_ids: Sequence[str]) -> None:
        """Remove documents by id."""
        if document_ids:
            await self._write(store.delete_ids, list(document_ids))

    @staticmethod
    def _rebuild_batch(terms: store.Terms, batch: list[ServiceDocument]) -> int:
        last = store.insert_new(terms.connection, batch, terms)
        # Rowids only grow during a rebuild: chunks below the last rowid are complete.
        if last:
            terms.columns.flush(below=last)
        return len(batch)

    async def rebuild(
        self, batches: AsyncIterable[Sequence[ServiceDocument]], *, progress: Progress | None = None
    ) -> int:
        """Refill the index in one write transaction; readers keep the old snapshot meanwhile."""
        async with self._write_lock:
            writer = self.pool.writer
            await asyncio.to_thread(writer.execute, "BEGIN IMMEDIATE")
            total = 0
            # A batch is written on a thread while the next one is read from the directory:
            # SQLite's work runs without the GIL, so the two overlap.
            writing: asyncio.Future[int] | None = None
            try:
                await asyncio.to_thread(store.clear, writer)
                await asyncio.to_thread(store.bulk_merging, writer, bulk=True)
                bulk = store.BulkLoad(writer)
                await asyncio.to_thread(bulk.start)
                terms = store.Terms(writer)
                async for batch in batches:
                    if writing is not None:
                        total += await writing
                    write = asyncio.to_thread(self._rebuild_batch, terms, list(batch))
                    writing = asyncio.ensure_future(write)
                    if progress is not None:
                        progress(len(batch))
                if writing is not None:
                    total += await writing
                    writing = None
                await asyncio.to_thread(terms.columns.flush)
                await asyncio.to_thread(bulk.finish)
                await asyncio.to_thread(store.bulk_merging, writer, bulk=False)
                await asyncio.to_thread(mark_rebuilt, writer)
                await asyncio.to_thread(store.bump_generation, writer)
            except BaseException:
                if writing is not None:
                    # The writer is in use until that batch is done; its outcome no longer counts.
                    await asyncio.wait([writing])
                    if not writing.cancelled():
                        writing.exception()  # retrieved: the first error is the one raised
                await asyncio.to_thread(writer.execute, "ROLLBACK")
                raise
            await asyncio.to_thread(writer.execute, "COMMIT")
            await asyncio.to_thread(
                writer.execute, "INSERT INTO doc_fts (doc_fts) VALUES ('optimize')"
            )
            return total
