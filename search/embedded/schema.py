"""Tables of the embedded index file and the probe for the SQLite features it needs."""

from __future__ import annotations

import sqlite3

from search.document import TEXT_FIELDS

# How the full-text index splits and stems text (the scratch `temp.word` table too).
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Term prefixes (in bytes) FTS5 keeps posting lists of: a prefix query of such a length reads
# one list, where a longer one merges the lists of every term it prefixes.
PREFIX_LENGTHS = (2, 3)
# Full-text columns, in the order bm25() weights and highlight() column numbers refer to.
FTS_COLUMNS = tuple(TEXT_FIELDS)

DDL = f"""
-- The narrow row every filter reads: what the match and the score need come first; the wide
-- ids only `document_ids` and upserts look up come last.
CREATE TABLE IF NOT EXISTS doc (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    verified_at REAL,
    capacity_status TEXT,
    -- The document's facet codes (see `facets.py`): counted for a whole match in one pass.
    facets BLOB NOT NULL,
    lat REAL,
    lon REAL,
    free INTEGER NOT NULL,
    min_cost REAL,
    min_age INTEGER,
    max_age INTEGER,
    delivery_mode TEXT NOT NULL,
    accepts_referrals INTEGER NOT NULL,
    open_evenings INTEGER NOT NULL,
    timezone_name TEXT,
    credential TEXT,
    occupation_code TEXT,
    schedule_fit TEXT NOT NULL,
    aid_accepted TEXT NOT NULL,
    earn_and_learn INTEGER NOT NULL,
    total_cost REAL,
    version INTEGER NOT NULL,
    service_id TEXT NOT NULL,
    location_id TEXT,
    organization_id TEXT NOT NULL
);
-- Need codes, languages and delivery modes by number (facet codes carry numbers); languages
-- also get a bit (the first 62 seen) for the language masks of doc_need.
CREATE TABLE IF NOT EXISTS term (no INTEGER PRIMARY KEY, kind INTEGER NOT NULL,
    value TEXT NOT NULL, bit INTEGER, UNIQUE (kind, value));
-- Organizations by number: the organizations facet counts numbers and labels only its top rows.
CREATE TABLE IF NOT EXISTS org (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL);
-- One row, bumped by every write transaction: cached results of an older generation are stale.
CREATE TABLE IF NOT EXISTS meta (one INTEGER PRIMARY KEY CHECK (one = 1),
    generation INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES (1, 0);
-- What hydrating a hit needs, apart from the narrow rows every filter scans.
CREATE TABLE IF NOT EXISTS doc_body (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doc_service ON doc(service_id);
CREATE INDEX IF NOT EXISTS doc_location ON doc(location_id);
CREATE INDEX IF NOT EXISTS doc_organization ON doc(organization_id);
-- `langs` is the document's language mask: a need-driven search filters languages while it
-- scans the need's rows, without probing doc_language once per candidate.
CREATE TABLE IF NOT EXISTS doc_need (code TEXT NOT NULL, doc INTEGER NOT NULL,
    langs INTEGER NOT NULL, PRIMARY KEY (code, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_need_doc ON doc_need(doc);
CREATE TABLE IF NOT EXISTS doc_language (code TEXT NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (code, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_language_doc ON doc_language(doc);
CREATE TABLE IF NOT EXISTS doc_area (key TEXT NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_area_doc ON doc_area(doc);
CREATE TABLE IF NOT EXISTS doc_open (doc INTEGER NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS doc_open_doc ON doc_open(doc);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(
    {", ".join(FTS_COLUMNS)},
    tokenize = '{TOKENIZER}',
    prefix = '{" ".join(map(str, PREFIX_LENGTHS))}'
);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);
-- The column store (`columns.py`): per-document values and bitmaps by rowid, in chunks, each
-- stamped with the generation that wrote it (a reader reloads only chunks newer than its copy).
CREATE TABLE IF NOT EXISTS col (name TEXT NOT NULL, chunk INTEGER NOT NULL,
    gen INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (name, chunk));
CREATE INDEX IF NOT EXISTS col_gen ON col(gen);
"""

# Per-connection scratch table holding one search's matches (for paging and facets); the facet
# codes ride along so counting them needs no join back to doc; `marks` are the highlights a
# text search within a radius scored in Python carries (see `textscore.py`).
TEMP_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS hit (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, score REAL NOT NULL, dist REAL,
    facets BLOB NOT NULL, marks TEXT
);
-- The candidates of a text search within a radius (see `compiler.py`).
CREATE TEMP TABLE IF NOT EXISTS cand (rowid INTEGER PRIMARY KEY);
-- Text matches within a radius scored by `textscore.py` (rowid, -bm25, highlights as JSON).
CREATE TEMP TABLE IF NOT EXISTS scored (
    rowid INTEGER PRIMARY KEY, score REAL NOT NULL, marks TEXT NOT NULL
);
-- What term the index's tokenizer makes of a word: one word per row, read back by term.
CREATE VIRTUAL TABLE IF NOT EXISTS temp.word USING fts5(w, tokenize = '{TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_terms USING fts5vocab(temp, word, instance);
"""

SIDE_TABLES = ("doc_need", "doc_language", "doc_area", "doc_open")
ALL_TABLES = ("doc", "doc_body", "doc_fts", "doc_geo", "org", "term", "col", *SIDE_TABLES)
# Bumped when the layout changes; an index file of another version is dropped and recreated
# (it is derived data: `hub reindex` fills it again).
SCHEMA_VERSION = 5


def fts5_available() -> bool:
    """Whether this Python's SQLite has FTS5 and R*Tree (the embedded backend needs both)."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE probe_fts USING fts5(x)")
        connection.execute("CREATE VIRTUAL TABLE probe_geo USING rtree(id, a, b)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()
