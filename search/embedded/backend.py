"""EmbeddedBackend: searches and maintains the SQLite FTS5 + R*Tree index file off the loop."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from search.backend import Progress, SearchBackend
from search.document import ServiceDocument
from search.embedded import store
from search.embedded.compiler import HIGHLIGHT_FIELDS, HIGHLIGHT_SQL, CompiledSearch, compile_search
from search.highlight import marked, need_highlight
from search.models import (
    Capability,
    Cursor,
    FacetValue,
    Highlight,
    SearchHit,
    SearchPage,
    SearchRequest,
)


class EmbeddedBackend(SearchBackend):
    """The default backend: an index file beside (or apart from) the primary database."""

    name: ClassVar[str] = "embedded"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool: store.ConnectionPool | None = None
        self._write_lock = asyncio.Lock()
        self._timezones: tuple[str, ...] | None = None

    @property
    def pool(self) -> store.ConnectionPool:
        """Connections, opened (and the schema created) on first use."""
        if self._pool is None:
            self._pool = store.ConnectionPool(self.path)
        return self._pool

    async def close(self) -> None:
        """Close every connection to the index file."""
        async with self._write_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # Reads

    def _zones(self, connection: sqlite3.Connection) -> tuple[str, ...]:
        if self._timezones is None:
            rows = connection.execute(
                "SELECT DISTINCT timezone_name FROM doc WHERE timezone_name IS NOT NULL"
            )
            self._timezones = tuple(sorted(r[0] for r in rows))
        return self._timezones

    async def search(self, request: SearchRequest) -> SearchPage:
        """Run a search in a worker thread on a pooled reader connection."""
        return await asyncio.to_thread(self._search, request)

    def _search(self, request: SearchRequest) -> SearchPage:
        with self.pool.reader() as connection:
            compiled = compile_search(request, timezones=self._zones(connection))
            # One read transaction: the count, page and facets all see the same snapshot.
            connection.execute("BEGIN")
            try:
                return self._run(connection, compiled, request)
            finally:
                connection.execute("ROLLBACK")

    def _run(
        self, connection: sqlite3.Connection, compiled: CompiledSearch, request: SearchRequest
    ) -> SearchPage:
        connection.execute("DELETE FROM temp.hit")
        connection.execute(compiled.match_sql, compiled.params)
        total = int(connection.execute("SELECT count(*) FROM temp.hit").fetchone()[0])
        rows = connection.execute(compiled.page_sql, compiled.page_params).fetchall()
        page = rows[: request.first]
        texts = self._text_highlights(connection, compiled, [r[0] for r in page])
        hits = tuple(self._hit(row, texts.get(row[0], ()), request) for row in page)
        facets = {
            name: tuple(
                FacetValue(str(v), str(label), int(n)) for v, label, n in connection.execute(sql)
            )
            for name, sql in compiled.facet_sql.items()
        }
        last = hits[-1] if hits and len(rows) > request.first else None
        cursor = Cursor(last.sort_value, last.document_id) if last else None
        return SearchPage(hits=hits, total=total, facets=facets, next_cursor=cursor)

    def _text_highlights(
        self, connection: sqlite3.Connection, compiled: CompiledSearch, rowids: list[int]
    ) -> dict[int, tuple[Highlight, ...]]:
        if compiled.match_expression is None or not rowids:
            return {}
        params = {"q": compiled.match_expression, "rowids": json.dumps(rowids)}
        found: dict[int, tuple[Highlight, ...]] = {}
        for rowid, *values in connection.execute(HIGHLIGHT_SQL, params):
            pairs = zip(HIGHLIGHT_FIELDS, values, strict=True)
            found[rowid] = tuple(h for f, v in pairs if (h := marked(f, [v])) is not None)
        return found

    def _hit(
        self, row: tuple[Any, ...], texts: tuple[Highlight, ...], request: SearchRequest
    ) -> SearchHit:
        _rowid, doc_id, score, dist, sort, body_json = row
        body = json.loads(body_json)
        needs = need_highlight(body["needs"], request.needs)
        return SearchHit(
            document_id=doc_id,
            service_id=body["service_id"],
            location_id=body["location_id"],
            organization_id=body["organization_id"],
            service_name=body["service_name"],
            organization_name=body["organization_name"],
            distance_km=dist,
            score=float(score),
            highlights=texts + ((needs,) if needs else ()),
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
        except BaseException:
            writer.execute("ROLLBACK")
            raise
        writer.execute("COMMIT")
        self._timezones = None
        return result

    async def index(self, documents: Sequence[ServiceDocument]) -> None:
        """Insert or replace documents (older versions never overwrite newer ones)."""
        if documents:
            await self._write(store.upsert, list(documents))

    async def delete(self, document_ids: Sequence[str]) -> None:
        """Remove documents by id."""
        if document_ids:
            await self._write(store.delete_ids, list(document_ids))

    async def rebuild(
        self, batches: AsyncIterable[Sequence[ServiceDocument]], *, progress: Progress | None = None
    ) -> int:
        """Refill the index in one write transaction; readers keep the old snapshot meanwhile."""
        async with self._write_lock:
            writer = self.pool.writer
            await asyncio.to_thread(writer.execute, "BEGIN IMMEDIATE")
            total = 0
            try:
                await asyncio.to_thread(store.clear, writer)
                async for batch in batches:
                    total += await asyncio.to_thread(store.upsert, writer, list(batch))
                    if progress is not None:
                        progress(len(batch))
            except BaseException:
                await asyncio.to_thread(writer.execute, "ROLLBACK")
                raise
            await asyncio.to_thread(writer.execute, "COMMIT")
            await asyncio.to_thread(
                writer.execute, "INSERT INTO doc_fts (doc_fts) VALUES ('optimize')"
            )
            self._timezones = None
            return total
