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
from typing import Any, NamedTuple

from search.document import NeedRef, ServiceDocument
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
# Need lists and organizations a write transaction keeps worked out (a bound on memory at any
# directory size: a 1M-service rebuild has 200k organizations).
MEMO_ENTRIES = 20_000
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
    # Readers keep their scratch tables in memory; the writer's sorts (a rebuild creating its
    # indexes, see BulkLoad) spill to temporary files instead of growing the process.
    connection.execute(f"PRAGMA temp_store={'MEMORY' if reader else 'FILE'}")
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


class NeedSet(NamedTuple):
    """A document's needs as the index stores them."""

    codes: tuple[str, ...]  # every code with its ancestors (ServiceDocument.need_codes)
    numbers: list[int]  # their term numbers
    body: str  # the needs' part of the hit body, as JSON
    labels: str  # the need_labels text
    codes_json: str  # `codes` as a JSON array (a rebuild's doc_need rows are built from it)


class Terms:
    """What one write transaction keeps: term numbers (no other writer renumbers meanwhile) and
    the column chunks it touched (written back by `flush`)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._known: dict[tuple[Kind, str], tuple[int, int | None]] = {}
        self._orgs: dict[tuple[str, str], int] = {}
        self.columns = columns.ColumnWriter(connection)
        self.rowid: int | None = None  # the last rowid `insert_new` gave
        # Documents share need and language lists (a service's places, common tag sets).
        self._needs: dict[tuple[NeedRef, ...], NeedSet] = {}
        self._languages: dict[tuple[str, ...], tuple[list[int], int]] = {}
        # JSON texts of language and opening-span lists, shared by many documents.
        self._json: dict[object, str] = {}

    def last_rowid(self) -> int:
        """The highest rowid in `doc` (read once; `insert_new` keeps it after that)."""
        if self.rowid is None:
            found = self.connection.execute("SELECT max(rowid) FROM doc").fetchone()[0]
            self.rowid = int(found or 0)
        return self.rowid

    def org(self, doc: ServiceDocument) -> int:
        """The organization's number (asked of `org` once per id and name in this transaction)."""
        key = (doc.organization_id, doc.organization_name)
        found = self._orgs.get(key)
        if found is None:
            found = self._orgs[key] = org_number(self.connection, doc)
        return found

    def add_orgs(self, docs: Sequence[ServiceDocument]) -> None:
        """Number the documents' organizations not numbered yet, in one statement (as `org`
        would one by one: in order of appearance, a later name renaming)."""
        if len(self._orgs) > MEMO_ENTRIES:
            self._orgs.clear()  # a bound on memory; a number asked again is the same one
        missing = dict.fromkeys(
            key
            for key in ((d.organization_id, d.organization_name) for d in docs)
            if key not in self._orgs
        )
        if not missing:
            return
        # An organization seen again (its number forgotten, see MEMO_ENTRIES) is not rewritten
        # unless renamed: at 1M documents, rewriting each one's row cost seconds.
        self.connection.executemany(
            "INSERT INTO org (id, name) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name IS NOT excluded.name",
            missing,
        )
        numbers = dict(
            self.connection.execute(
                "SELECT id, no FROM org WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([org_id for org_id, _ in missing]),),
            ).fetchall()
        )
        for org_id, name in missing:
            self._orgs[(org_id, name)] = int(numbers[org_id])

    def need_set(self, needs: tuple[NeedRef, ...]) -> NeedSet:
        """What the tables store of a list of needs (worked out once per list)."""
        found = self._needs.get(needs)
        if found is None:
            if len(self._needs) >= MEMO_ENTRIES:
                self._needs.clear()
            codes: dict[str, None] = {}
            for need in needs:
                for code in (*need.ancestors, need.code):
                    codes[code] = None
            found = self._needs[needs] = NeedSet(
                tuple(codes),
                [self.number(Kind.NEED, code)[0] for code in codes],
                json.dumps([[n.code, n.name, list(n.ancestors)] for n in needs]),
                " ".join(n.name for n in needs),
                json.dumps(tuple(codes)),
            )
        return found

    def languages(self, languages: tuple[str, ...]) -> tuple[list[int], int]:
        """Numbers of a document's languages and their mask of bits (once per list)."""
        found = self._languages.get(languages)
        if found is None:
            numbers: list[int] = []
            mask = 0
            for language in dict.fromkeys(languages):
                number, bit = self.number(Kind.LANGUAGE, language)
                numbers.append(number)
                mask |= 1 << (OTHER_LANGUAGES_BIT if bit is None else bit)
            found = self._languages[languages] = (numbers, mask)
        return found

    def as_json(self, value: tuple[Any, ...]) -> str:
        """A tuple (of strings, or of number pairs) as JSON text (worked out once per value)."""
        found = self._json.get(value)
        if found is None:
            if len(self._json) >= MEMO_ENTRIES:
                self._json.clear()
            found = self._json[value] = json.dumps(value)
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


class _Codes(NamedTuple):
    """A document's term numbers as the tables store them."""

    needs: NeedSet
    languages: list[int]  # language term numbers (the language bitmaps)
    mask: int  # language bits (doc_need.langs)
    mode: int
    org: int
    facets: bytes


def _codes(doc: ServiceDocument, terms: Terms, needs: NeedSet | None = None) -> _Codes:
    needs = needs or terms.need_set(doc.needs)
    languages, mask = terms.languages(doc.languages)
    mode = terms.number(Kind.MODE, doc.delivery_mode)[0]
    if doc.timezone_name:
        terms.number(Kind.ZONE, doc.timezone_name)  # listed, not counted
    org = terms.org(doc)
    codes = [
        *((Kind.NEED, n) for n in needs.numbers),
        *((Kind.LANGUAGE, n) for n in languages),
        (Kind.MODE, mode),
        (Kind.ORGANIZATION, org),
    ]
    return _Codes(needs, languages, mask, mode, org, encode(codes))


class _BatchCodes:
    """`_codes` for the documents of one batch, each distinct combination worked out once.

    Need lists are told apart by identity first (the builder hands out one tuple per distinct
    list, and hashing a tuple of NeedRefs costs more than the rest of the lookup); the batch's
    documents, and the NeedSets kept here, are alive meanwhile, so no identity is reused.
    """

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self._needs: dict[int, NeedSet] = {}
        self._found: dict[tuple[int, tuple[str, ...], str, int, str | None], _Codes] = {}

    def __call__(self, doc: ServiceDocument) -> _Codes:
        """The document's codes."""
        needs = self._needs.get(id(doc.needs))
        if needs is None:
            needs = self._needs[id(doc.needs)] = self.terms.need_set(doc.needs)
        org = self.terms.org(doc)
        key = (id(needs), doc.languages, doc.delivery_mode, org, doc.timezone_name)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = _codes(doc, self.terms, needs)
        return found


def _from_json(insert: str, width: int) -> str:
    """`insert` fed from a JSON array of rows (arrays of `width` values) bound as one text."""
    values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(width))
    return f"{insert} SELECT {values} FROM json_each(?)"


_DOC_SQL = (
    "INSERT INTO doc (rowid, id, verified_at, capacity_status, facets, lat, lon, free,"
    " min_cost, min_age, max_age, delivery_mode, accepts_referrals, open_evenings,"
    " timezone_name, credential, occupation_code, schedule_fit, aid_accepted,"
    " earn_and_learn, total_cost, version, service_id, location_id, organization_id)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_BODY_SQL = "INSERT INTO doc_body (rowid, body) VALUES (?, ?)"
# `insert_new` writes the text columns in this order.
assert FTS_COLUMNS == (
    "service_name",
    "organization_name",
    "program_name",
    "need_labels",
    "description",
), FTS_COLUMNS
_FTS_SQL = f"INSERT INTO doc_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
_GEO_SQL = "INSERT INTO doc_geo VALUES (?, ?, ?, ?, ?)"
_NEED_SQL = "INSERT OR IGNORE INTO doc_need VALUES (?, ?, ?)"
_LANGUAGE_SQL = "INSERT OR IGNORE INTO doc_language VALUES (?, ?)"
_AREA_SQL = "INSERT OR IGNORE INTO doc_area VALUES (?, ?)"
_OPEN_SQL = "INSERT INTO doc_open VALUES (?, ?, ?)"
_FTS_JSON_SQL = _from_json(f"INSERT INTO doc_fts (rowid, {', '.join(FTS_COLUMNS)})", 6)
_AREA_JSON_SQL = _from_json("INSERT OR IGNORE INTO doc_area (key, doc)", 2)
# The tables below are fed one JSON array per document, [rowid, ...], its lists written as
# JSON once per distinct list (`Terms.as_json`, `NeedSet.codes_json`) and spread out by SQL:
# building a tuple per row and encoding each again cost more than SQLite's nested json_each.
# A body is stored as SQLite writes the array back (no spaces): readers parse it as JSON.
_BODY_JSON_SQL = (
    "INSERT INTO doc_body (rowid, body)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
)
_NEED_JSON_SQL = (
    "INSERT OR IGNORE INTO doc_need (code, doc, langs)"
    " SELECT c.value, json_extract(d.value, '$[0]'), json_extract(d.value, '$[1]')"
    " FROM json_each(?) d, json_each(d.value, '$[2]') c"
)
_LANGUAGE_JSON_SQL = (
    "INSERT OR IGNORE INTO doc_language (code, doc)"
    " SELECT c.value, json_extract(d.value, '$[0]') FROM json_each(?) d,"
    " json_each(d.value, '$[1]') c"
)
_OPEN_JSON_SQL = (
    'INSERT INTO doc_open (doc, start, "end")'
    " SELECT json_extract(d.value, '$[0]'), json_extract(s.value, '$[0]'),"
    " json_extract(s.value, '$[1]') FROM json_each(?) d, json_each(d.value, '$[1]') s"
)


def _verified(doc: ServiceDocument) -> float | None:
    return doc.last_verified_at.timestamp() if doc.last_verified_at else None


def _doc_row(
    rowid: int | None, doc: ServiceDocument, verified: float | None, codes: _Codes
) -> tuple[object, ...]:
    return (
        rowid,
        doc.id,
        verified,
        doc.capacity_status,
        codes.facets,
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
    )


def _record(doc: ServiceDocument, verified: float | None, codes: _Codes) -> tuple[Any, ...]:
    return columns.record(
        document_id=doc.id,
        verified_at=verified,
        min_cost=doc.min_cost,
        min_age=doc.min_age,
        max_age=doc.max_age,
        mode=codes.mode,
        org=codes.org,
        capacity=doc.capacity_status,
        free=doc.free,
        accepts=doc.accepts_referrals,
        evenings=doc.open_evenings,
    )


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
    codes = _codes(doc, batch)
    verified = _verified(doc)
    rowid = connection.execute(_DOC_SQL, _doc_row(rowid, doc, verified, codes)).lastrowid
    assert rowid is not None
    batch.columns.put(rowid, _record(doc, verified, codes), codes.needs.numbers, codes.languages)
    if terms is None:
        batch.columns.flush()
    connection.execute(_BODY_SQL, (rowid, json.dumps(hit_body(doc))))
    connection.execute(_FTS_SQL, (rowid, *(doc.text(name) for name in FTS_COLUMNS)))
    if doc.latitude is not None and doc.longitude is not None:
        connection.execute(
            _GEO_SQL, (rowid, doc.latitude, doc.latitude, doc.longitude, doc.longitude)
        )
    connection.executemany(_NEED_SQL, ((c, rowid, codes.mask) for c in codes.needs.codes))
    connection.executemany(_LANGUAGE_SQL, ((c, rowid) for c in doc.languages))
    connection.executemany(_AREA_SQL, ((k, rowid) for k in doc.areas))
    connection.executemany(_OPEN_SQL, ((rowid, s, e) for s, e in doc.open_spans))


def insert_new(
    connection: sqlite3.Connection, docs: Sequence[ServiceDocument], terms: Terms
) -> int:
    """Insert documents none of which is stored (a rebuild), table by table; returns the last
    rowid given (0: none). Their column chunks are written at `terms.columns.flush()`, their
    points put in the R*Tree by `BulkLoad.finish`.

    One statement per table for the whole batch: per document, each statement's own cost
    (preparing, binding, the call from Python) was most of what writing it cost.
    """
    rowid = terms.last_rowid()
    rows: list[tuple[object, ...]] = []
    bodies: list[str] = []
    texts: list[tuple[object, ...]] = []
    needs: list[str] = []
    languages: list[str] = []
    areas: list[tuple[str, int]] = []
    spans: list[str] = []
    records: list[tuple[Any, ...]] = []
    need_numbers: list[list[int]] = []
    language_numbers: list[list[int]] = []
    first = rowid + 1
    terms.add_orgs(docs)
    codes_of = _BatchCodes(terms)
    for doc in docs:
        rowid += 1
        codes = codes_of(doc)
        verified = _verified(doc)
        rows.append(_doc_row(rowid, doc, verified, codes))
        records.append(_record(doc, verified, codes))
        need_numbers.append(codes.needs.numbers)
        language_numbers.append(codes.languages)
        # As json.dumps(hit_body(doc)) writes it, with the needs' part written once per list.
        head = json.dumps(
            [
                doc.service_id,
                doc.location_id,
                doc.organization_id,
                doc.service_name,
                doc.organization_name,
            ]
        )
        bodies.append(f"[{rowid},{head[:-1]}, {codes.needs.body}]]")
        # The FTS_COLUMNS, as `doc.text` gives them.
        texts.append(
            (
                rowid,
                doc.service_name or "",
                doc.organization_name or "",
                doc.program_name or "",
                codes.needs.labels,
                doc.description,
            )
        )
        needs.append(f"[{rowid},{codes.mask},{codes.needs.codes_json}]")
        if doc.languages:
            languages.append(f"[{rowid},{terms.as_json(doc.languages)}]")
        areas.extend((k, rowid) for k in doc.areas)
        if doc.open_spans:
            spans.append(f"[{rowid},{terms.as_json(doc.open_spans)}]")
    terms.columns.put_many(first, records, need_numbers, language_numbers)
    # Rows with floats are bound one by one (a float's text may not read back as the same
    # double); the others go as one JSON array per table: SQLite releases the GIL for each
    # statement it runs, and a table's rows in one statement do not wait for it row by row
    # while the next batch is built on the event loop's thread.
    connection.executemany(_DOC_SQL, rows)
    for sql, values in ((_FTS_JSON_SQL, texts), (_AREA_JSON_SQL, areas)):
        if values:
            connection.execute(sql, (json.dumps(values, ensure_ascii=False),))
    for sql, arrays in (
        (_BODY_JSON_SQL, bodies),
        (_NEED_JSON_SQL, needs),
        (_LANGUAGE_JSON_SQL, languages),
        (_OPEN_JSON_SQL, spans),
    ):
        if arrays:
            connection.execute(sql, (f"[{','.join(arrays)}]",))
    terms.rowid = rowid
    return rowid


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
) -> int:
    """Insert or replace documents; a stored newer version wins. Returns how many were written.

    Given `terms`, the caller flushes their columns; else they are written before returning.
    (A rebuild, into emptied tables, writes with `insert_new` instead.)
    """
    batch = terms or Terms(connection)
    written = 0
    for doc in docs:
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


# FTS5's defaults (automerge 4, crisismerge 16, hashsize 1 MiB): restored after a bulk load
# for later writes.
AUTOMERGE, CRISISMERGE, HASHSIZE = 4, 16, 1 << 20
# Pending full-text postings a bulk load keeps in memory before writing a segment: each flush
# at the default 1 MiB wrote a small segment, and merging hundreds of them cost more than
# tokenizing (157k documents: 3.8 s of FTS5 work at 1 MiB, 2.4 s at 16 MiB; more memory
# saves little more).
BULK_HASHSIZE = 16 << 20


def bulk_merging(connection: sqlite3.Connection, *, bulk: bool) -> None:
    """Set FTS5 up for a bulk load (no incremental merging, larger in-memory segments; one
    `optimize` follows), or back to its defaults for incremental writes."""
    settings = (0, 64, BULK_HASHSIZE) if bulk else (AUTOMERGE, CRISISMERGE, HASHSIZE)
    for name, value in zip(("automerge", "crisismerge", "hashsize"), settings, strict=True):
        connection.execute("INSERT INTO doc_fts (doc_fts, rank) VALUES (?, ?)", (name, value))


class BulkLoad:
    """What a rebuild's write transaction defers to its end: the secondary indexes of `doc`
    and the side tables (dropped at the start, created again once every row is in) and the
    R*Tree's points (inserted in one statement).

    At 1M documents, inserting into those indexes and the R*Tree row by row, at places spread
    over the whole file, made the page cache miss on most inserts: `doc` took 51 s with its
    indexes and 20 s with them created afterwards (one sort each).
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._indexes: list[str] = []

    def start(self) -> None:
        """Drop the secondary indexes (inside the rebuild's transaction; readers keep theirs)."""
        tables = ("doc", *SIDE_TABLES)
        found = self.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join('?' * len(tables))}) ORDER BY name",
            tables,
        ).fetchall()
        for name, sql in found:
            self.connection.execute(f'DROP INDEX "{name}"')
            self._indexes.append(sql)

    def finish(self) -> None:
        """Put every point in the R*Tree and create the dropped indexes again."""
        self.connection.execute(_ALL_POINTS_SQL)
        for sql in self._indexes:
            self.connection.execute(sql)
        self._indexes.clear()


# The points as `doc` stored them (the same doubles), in one statement.
_ALL_POINTS_SQL = (
    "INSERT INTO doc_geo SELECT rowid, lat, lat, lon, lon FROM doc"
    " WHERE lat IS NOT NULL AND lon IS NOT NULL"
)


# Virtual tables that a DELETE empties row by row (FTS5 and the R*Tree update their own
# structures for each row: 2.0 and 1.3 s of a 100k index), so a rebuild drops them and creates
# them again with the statement that made them (in its transaction: readers keep theirs).
_RECREATED = ("doc_fts", "doc_geo")
_CREATE_SQL = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?"


def clear(connection: sqlite3.Connection) -> None:
    """Empty every table (inside the rebuild transaction)."""
    for table in ALL_TABLES:
        if table in _RECREATED:
            create = connection.execute(_CREATE_SQL, (table,)).fetchone()[0]
            connection.execute(f"DROP TABLE {table}")
            connection.execute(create)
        else:
            connection.execute(f"DELETE FROM {table}")
