"""Connections to the index file and the writes: insert, replace, delete documents."""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from search.document import ServiceDocument
from search.embedded import columns
from search.embedded.facets import OTHER_LANGUAGES_BIT, Kind, decode, encode
from search.embedded.schema import (
    ALL_TABLES,
    DDL,
    FTS_COLUMNS,
    SCHEMA_VERSION,
    SIDE_TABLES,
    TEMP_DDL,
)
from search.geo import ellipsoid_km

log = logging.getLogger(__name__)
MMAP_BYTES = 4 << 30
GENERATION_SQL = "SELECT generation FROM meta"


def connect(path: Path, *, reader: bool = True) -> sqlite3.Connection:
    """Open the index file in WAL mode with the `geo_km` function registered."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA cache_size=-65536")
    connection.execute("PRAGMA temp_store=MEMORY")
    if reader:
        # Searches map the file instead of copying pages through read() calls: one touches many.
        # (The writer does not: a rebuild would map the whole file into this process.)
        connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    connection.create_function("geo_km", 4, ellipsoid_km, deterministic=True)
    return connection


class ConnectionPool:
    """Reader connections (one search at a time each) and the single writer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer = connect(path, reader=False)
        ensure_schema(self.writer)
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = [self.writer]
        # Reads only the generation, on the caller's own thread: it never waits for a lock
        # (busy_timeout 0), so a cached page can be served without a hop to a worker thread.
        self.peeker = connect(path)
        self.peeker.execute("PRAGMA busy_timeout=0")
        self._all.append(self.peeker)
        self.peek_lock = threading.Lock()
        # For searches run on the caller's thread (see EmbeddedBackend.search): it never waits
        # for a lock either, and serves one caller at a time (the others use pooled readers).
        self._inline = connect(path)
        self._inline.execute("PRAGMA busy_timeout=0")
        self._inline.executescript(TEMP_DDL)
        self._all.append(self._inline)
        self._inline_lock = threading.Lock()

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """Borrow a reader connection (created on demand)."""
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = connect(self.path)
            connection.executescript(TEMP_DDL)
            self._all.append(connection)
        try:
            yield connection
        finally:
            self._idle.put(connection)

    @contextmanager
    def inline(self) -> Iterator[sqlite3.Connection | None]:
        """The caller-thread reader, or None while another caller has it (or it is closed)."""
        if not self._inline_lock.acquire(blocking=False):
            yield None
            return
        try:
            yield self._inline if self._all else None
        finally:
            self._inline_lock.release()

    def generation(self) -> int | None:
        """The index generation if it can be read at once (None: busy, or another thread peeks)."""
        if not self.peek_lock.acquire(blocking=False):
            return None
        try:
            return int(self.peeker.execute(GENERATION_SQL).fetchone()[0])
        except sqlite3.OperationalError:
            return None
        finally:
            self.peek_lock.release()

    def close(self) -> None:
        """Close every connection."""
        with self.peek_lock, self._inline_lock:
            for connection in self._all:
                connection.close()
            self._all.clear()


def ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the tables; drop an index file of an older layout first (it must be rebuilt)."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        if version:
            log.warning(
                "search index layout %s is not %s: recreated empty", version, SCHEMA_VERSION
            )
        for table in ALL_TABLES:
            connection.execute(f"DROP TABLE IF EXISTS {table}")
    connection.executescript(DDL)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _csv(values: Sequence[str]) -> str:
    return "," + ",".join(values) + "," if values else ""


def hit_body(doc: ServiceDocument) -> list[object]:
    """The few fields a hit is built from, as a JSON array (read for every page row: an array
    parses in under half the time of an object): service, location and organization ids,
    service and organization names, then the needs as [code, name, [ancestor codes]]."""
    return [
        doc.service_id,
        doc.location_id,
        doc.organization_id,
        doc.service_name,
        doc.organization_name,
        [[n.code, n.name, list(n.ancestors)] for n in doc.needs],
    ]


def org_number(connection: sqlite3.Connection, doc: ServiceDocument) -> int:
    """The organization's number in `org` (added, or renamed, on the way)."""
    row = connection.execute(
        "INSERT INTO org (id, name) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING no",
        (doc.organization_id, doc.organization_name),
    ).fetchone()
    return int(row[0])


def term_number(connection: sqlite3.Connection, kind: Kind, value: str) -> tuple[int, int | None]:
    """A need code's, language's or delivery mode's number in `term` and its bit (languages)."""
    row = connection.execute(
        "SELECT no, bit FROM term WHERE kind = ? AND value = ?", (kind, value)
    ).fetchone()
    if row is None:
        row = connection.execute(
            "INSERT INTO term (kind, value, bit) SELECT :kind, :value, CASE WHEN :kind = :lang"
            " THEN (SELECT CASE WHEN count(*) < :bits THEN count(*) END FROM term"
            " WHERE kind = :lang) END RETURNING no, bit",
            {"kind": kind, "value": value, "lang": Kind.LANGUAGE, "bits": OTHER_LANGUAGES_BIT},
        ).fetchone()
    return int(row[0]), row[1]


class Terms:
    """What one write transaction keeps: term numbers (no other writer renumbers meanwhile) and
    the column chunks it touched (written back by `flush`)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._known: dict[tuple[Kind, str], tuple[int, int | None]] = {}
        self._orgs: dict[tuple[str, str], int] = {}
        self.columns = columns.ColumnWriter(connection)

    def org(self, doc: ServiceDocument) -> int:
        """The organization's number (asked of `org` once per id and name in this transaction)."""
        key = (doc.organization_id, doc.organization_name)
        found = self._orgs.get(key)
        if found is None:
            found = self._orgs[key] = org_number(self.connection, doc)
        return found

    def number(self, kind: Kind, value: str) -> tuple[int, int | None]:
        """The term's number and bit (added on first use)."""
        found = self._known.get((kind, value))
        if found is None:
            found = self._known[(kind, value)] = term_number(self.connection, kind, value)
        return found


def bump_generation(connection: sqlite3.Connection) -> None:
    """Mark the index changed (inside the write transaction): cached results go stale."""
    connection.execute("UPDATE meta SET generation = generation + 1")


def _numbers(codes: list[tuple[Kind, int]], kind: Kind) -> list[int]:
    return [number for k, number in codes if k is kind]


def insert(
    connection: sqlite3.Connection,
    doc: ServiceDocument,
    terms: Terms | None = None,
    rowid: int | None = None,
) -> None:
    """Insert one document into every table (the caller holds the write transaction).

    Without `terms` the document's column chunks are written at once; with them, at
    `terms.columns.flush()`. `rowid` reuses a replaced document's row number.
    """
    batch = terms or Terms(connection)
    verified = doc.last_verified_at.timestamp() if doc.last_verified_at else None
    codes: list[tuple[Kind, int]] = []
    needs = doc.need_codes
    for code in needs:
        codes.append((Kind.NEED, batch.number(Kind.NEED, code)[0]))
    languages = 0
    for language in dict.fromkeys(doc.languages):
        number, bit = batch.number(Kind.LANGUAGE, language)
        codes.append((Kind.LANGUAGE, number))
        languages |= 1 << (OTHER_LANGUAGES_BIT if bit is None else bit)
    mode = batch.number(Kind.MODE, doc.delivery_mode)[0]
    codes.append((Kind.MODE, mode))
    if doc.timezone_name:
        batch.number(Kind.ZONE, doc.timezone_name)  # listed, not counted
    org = batch.org(doc)
    codes.append((Kind.ORGANIZATION, org))
    facets = encode(codes)
    cursor = connection.execute(
        "INSERT INTO doc (rowid, id, verified_at, capacity_status, facets, lat, lon, free,"
        " min_cost, min_age, max_age, delivery_mode, accepts_referrals, open_evenings,"
        " timezone_name, credential, occupation_code, schedule_fit, aid_accepted,"
        " earn_and_learn, total_cost, version, service_id, location_id, organization_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            rowid,
            doc.id,
            verified,
            doc.capacity_status,
            facets,
            doc.latitude,
            doc.longitude,
            int(doc.free),
            doc.min_cost,
            doc.min_age,
            doc.max_age,
            doc.delivery_mode,
            int(doc.accepts_referrals),
            int(doc.open_evenings),
            doc.timezone_name,
            doc.credential,
            doc.occupation_code,
            _csv(doc.schedule_fit),
            _csv(doc.aid_accepted),
            int(doc.earn_and_learn),
            doc.total_cost,
            doc.version,
            doc.service_id,
            doc.location_id,
            doc.organization_id,
        ),
    )
    rowid = cursor.lastrowid
    assert rowid is not None
    values = columns.record(
        document_id=doc.id,
        verified_at=verified,
        min_cost=doc.min_cost,
        min_age=doc.min_age,
        max_age=doc.max_age,
        mode=mode,
        org=org,
        capacity=doc.capacity_status,
        free=doc.free,
        accepts=doc.accepts_referrals,
        evenings=doc.open_evenings,
    )
    batch.columns.put(rowid, values, _numbers(codes, Kind.NEED), _numbers(codes, Kind.LANGUAGE))
    if terms is None:
        batch.columns.flush()
    connection.execute(
        "INSERT INTO doc_body (rowid, body) VALUES (?, ?)", (rowid, json.dumps(hit_body(doc)))
    )
    connection.execute(
        f"INSERT INTO doc_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        (rowid, *(doc.text(name) for name in FTS_COLUMNS)),
    )
    if doc.latitude is not None and doc.longitude is not None:
        connection.execute(
            "INSERT INTO doc_geo VALUES (?, ?, ?, ?, ?)",
            (rowid, doc.latitude, doc.latitude, doc.longitude, doc.longitude),
        )
    connection.executemany(
        "INSERT OR IGNORE INTO doc_need VALUES (?, ?, ?)", ((c, rowid, languages) for c in needs)
    )
    connection.executemany(
        "INSERT OR IGNORE INTO doc_language VALUES (?, ?)", ((c, rowid) for c in doc.languages)
    )
    connection.executemany(
        "INSERT OR IGNORE INTO doc_area VALUES (?, ?)", ((k, rowid) for k in doc.areas)
    )
    connection.executemany(
        "INSERT INTO doc_open VALUES (?, ?, ?)", ((rowid, s, e) for s, e in doc.open_spans)
    )


def remove(connection: sqlite3.Connection, rowid: int, facets: bytes, terms: Terms) -> None:
    """Remove one document (by rowid; `facets` is its stored blob) from every table."""
    codes = decode(facets)
    terms.columns.drop(rowid, _numbers(codes, Kind.NEED), _numbers(codes, Kind.LANGUAGE))
    connection.execute("DELETE FROM doc WHERE rowid = ?", (rowid,))
    connection.execute("DELETE FROM doc_body WHERE rowid = ?", (rowid,))
    connection.execute("DELETE FROM doc_fts WHERE rowid = ?", (rowid,))
    connection.execute("DELETE FROM doc_geo WHERE id = ?", (rowid,))
    for table in SIDE_TABLES:
        connection.execute(f"DELETE FROM {table} WHERE doc = ?", (rowid,))


def upsert(
    connection: sqlite3.Connection,
    docs: Sequence[ServiceDocument],
    terms: Terms | None = None,
    *,
    fresh: bool = False,
) -> int:
    """Insert or replace documents; a stored newer version wins. Returns how many were written.

    Given `terms`, the caller flushes their columns; else they are written before returning.
    `fresh` (a rebuild into emptied tables, each document once) skips looking for a stored one.
    """
    batch = terms or Terms(connection)
    written = 0
    for doc in docs:
        row = None
        if not fresh:
            row = connection.execute(
                "SELECT rowid, version, facets FROM doc WHERE id = ?", (doc.id,)
            ).fetchone()
        rowid = None
        if row is not None:
            if row[1] > doc.version:
                continue  # an event handled late must not undo a newer state
            rowid = row[0]
            remove(connection, rowid, row[2], batch)
        insert(connection, doc, batch, rowid)
        written += 1
    if terms is None:
        batch.columns.flush()
    return written


def delete_ids(connection: sqlite3.Connection, document_ids: Sequence[str]) -> None:
    """Remove documents by id."""
    batch = Terms(connection)
    for document_id in document_ids:
        row = connection.execute(
            "SELECT rowid, facets FROM doc WHERE id = ?", (document_id,)
        ).fetchone()
        if row is not None:
            remove(connection, row[0], row[1], batch)
    batch.columns.flush()


# FTS5's defaults (automerge 4, crisismerge 16): restored after a bulk load for later writes.
AUTOMERGE, CRISISMERGE = 4, 16


def bulk_merging(connection: sqlite3.Connection, *, bulk: bool) -> None:
    """Turn FTS5's incremental merging off for a bulk load (one `optimize` follows), or back on."""
    automerge, crisismerge = (0, 64) if bulk else (AUTOMERGE, CRISISMERGE)
    for name, value in (("automerge", automerge), ("crisismerge", crisismerge)):
        connection.execute("INSERT INTO doc_fts (doc_fts, rank) VALUES (?, ?)", (name, value))


def clear(connection: sqlite3.Connection) -> None:
    """Empty every table (inside the rebuild transaction)."""
    for table in ALL_TABLES:
        connection.execute(f"DELETE FROM {table}")
