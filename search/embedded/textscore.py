"""FTS5's bm25 of a search's words for a few rows, without FTS5 walking every match to get it.

FTS5's `bm25()` computes, per statement, how many documents in the whole index hold each
phrase: one pass over each phrase's full posting list, however few rows the statement scores.
For a text search within a radius that pass is most of the work, and it grows with the index,
not with the place. Here the same score is computed from the same inputs: the phrase counts
(kept per index generation, like a search engine's term dictionary), the table's row and token
totals and each row's length (FTS5's own records), and each row's phrase frequencies per
column, read off FTS5's `highlight()` of the row. The arithmetic is fts5_aux.c's, in its
order, so the result is the very double `bm25()` returns; where that cannot be guaranteed
(a word FTS5 splits in two, marker characters in the text) `score_rows` answers None and the
caller lets FTS5 score.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from search.document import TEXT_FIELDS
from search.embedded.schema import PREFIX_LENGTHS

K1, B = 1.2, 0.75  # fts5_aux.c's bm25 constants
_WEIGHTS = tuple(TEXT_FIELDS.values())
# A matching row's text relevance as SQL asks FTS5 for it (higher is better).
RELEVANCE_SQL = f"-bm25(doc_fts, {', '.join(str(w) for w in _WEIGHTS)})"
# The description's snippet shown with a hit.
SNIPPET_SQL = "snippet(doc_fts, 4, '<mark>', '</mark>', '…', 16)"
# Characters that do not occur in listings' text (checked per row), marking matched tokens.
OPEN, CLOSE = "\x1d", "\x1e"
# Per matching row: every text column highlighted with the markers, the description's snippet
# for display, and whether any column holds a marker character itself.
_HIGHLIGHTED = ", ".join(f"highlight(doc_fts, {i}, char(29), char(30))" for i in range(5))
_TEXT = " || ".join(f"coalesce({name}, '')" for name in TEXT_FIELDS)
ROW_COLUMNS = f"{_HIGHLIGHTED}, {SNIPPET_SQL}, instr({_TEXT}, char(29)) + instr({_TEXT}, char(30))"
TOTALS_SQL = "SELECT block FROM doc_fts_data WHERE id = 1"
SIZES_SQL = "SELECT id, sz FROM doc_fts_docsize WHERE id IN (SELECT value FROM json_each(:ids))"
PHRASE_COUNT_SQL = "SELECT count(*) FROM doc_fts WHERE doc_fts MATCH :q"
# A scratch table with the index's tokenizer (TEMP_DDL): what term FTS5 makes of a word.
_TERMS_SQL = "SELECT doc, term, count(*) FROM temp.word_terms GROUP BY doc"


def varints(blob: bytes) -> list[int]:
    """The SQLite varints of an FTS5 record (big-endian 7-bit groups; a 9th byte has 8 bits)."""
    values: list[int] = []
    i, size = 0, len(blob)
    while i < size:
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


@dataclass(frozen=True, slots=True)
class Totals:
    """The index's row count and token count (all columns), as FTS5's averages record has them."""

    rows: int
    tokens: int

    @classmethod
    def read(cls, connection: sqlite3.Connection) -> Totals:
        """Read them from the FTS5 data table."""
        found = connection.execute(TOTALS_SQL).fetchone()
        numbers = varints(bytes(found[0])) if found else [0]
        return cls(numbers[0], sum(numbers[1:]))


def phrase_count(connection: sqlite3.Connection, phrase: str) -> int:
    """How many documents hold the phrase (what bm25's IDF counts)."""
    return int(connection.execute(PHRASE_COUNT_SQL, {"q": phrase}).fetchone()[0])


# Words' terms already asked of the tokenizer (it is the same for every connection).
_TERMS: dict[str, str | None] = {}
_TERMS_KEPT = 50_000
_UNASKED = "\0"  # no term holds a NUL


def terms_of(connection: sqlite3.Connection, words: Sequence[str]) -> list[str | None]:
    """The term FTS5's tokenizer makes of each word (None: not exactly one term)."""
    known: dict[str, str | None] = {}
    missing: list[str] = []
    for word in dict.fromkeys(words):
        term = _TERMS.get(word, _UNASKED)
        if term == _UNASKED:
            missing.append(word)
        else:
            known[word] = term
    if missing:
        connection.executemany(
            "INSERT INTO temp.word (rowid, w) VALUES (?, ?)", list(enumerate(missing))
        )
        found: dict[int, tuple[str, int]] = {
            doc: (term, count) for doc, term, count in connection.execute(_TERMS_SQL)
        }
        connection.execute("DELETE FROM temp.word")
        for i, word in enumerate(missing):
            term, count = found.get(i, ("", 0))
            known[word] = term if count == 1 else None
        if len(_TERMS) + len(missing) > _TERMS_KEPT:
            _TERMS.clear()  # a bound on memory; a word asked again gets the same term
        _TERMS.update((word, known[word]) for word in missing)
    return [known[word] for word in words]


def prefix_indexed(connection: sqlite3.Connection, expression: str) -> bool:
    """Whether every phrase of a match expression is a prefix FTS5 keeps a posting list of."""
    terms = terms_of(connection, [p.strip('"*') for p in expression.split(" ")])
    return all(t is not None and len(t.encode()) in PREFIX_LENGTHS for t in terms)


def _marked_tokens(text: str) -> list[str] | None:
    """The marked tokens of a highlighted column (None: markers do not pair up)."""
    parts = text.split(OPEN)
    tokens = []
    for part in parts[1:]:
        token, closed, rest = part.partition(CLOSE)
        if not closed or CLOSE in rest:
            return None
        tokens.append(token)
    if CLOSE in parts[0]:
        return None
    return tokens


@dataclass(frozen=True, slots=True)
class Scored:
    """A row's bm25 (as `-bm25()`) and its display highlights: name, organization, needs,
    description snippet (MARKS_SQL's fields)."""

    rowid: int
    score: float
    marks: tuple[str, str, str, str]


def score_rows(
    connection: sqlite3.Connection,
    phrases: Sequence[str],
    counts: Sequence[int],
    totals: Totals,
    rows: Sequence[tuple[object, ...]],
) -> list[Scored] | None:
    """bm25 of rows read with ROW_COLUMNS, for prefix phrases (`"word"*`) and their document
    counts; None where FTS5's own bm25 must score instead (see the module's docstring)."""
    if any(row[7] for row in rows):
        return None  # a marker character in the text itself: the marks cannot be trusted
    prefixes = terms_of(connection, [p.strip('"*') for p in phrases])
    if any(p is None for p in prefixes):
        return None  # FTS5 makes more (or less) than one term of a word: a phrase of several
    marked: list[list[list[str]]] = []
    tokens: dict[str, None] = {}
    for row in rows:
        columns = []
        for text in row[1:6]:
            found = _marked_tokens(str(text or ""))
            if found is None:
                return None
            columns.append(found)
            tokens.update(dict.fromkeys(found))
        marked.append(columns)
    words = list(tokens)
    term_of = dict(zip(words, terms_of(connection, words), strict=True))
    # The phrases (by number) each marked token is an instance of: FTS5 marks a token once
    # even when it is an instance of two phrases, and counts it for each.
    instances: dict[str, list[int]] = {}
    for word, term in term_of.items():
        hits = [i for i, p in enumerate(prefixes) if term is not None and term.startswith(p or "")]
        if not hits:
            return None  # marked, yet no phrase's: not FTS5's instances after all
        instances[word] = hits
    rowids = [cast(int, row[0]) for row in rows]
    sizes = dict(connection.execute(SIZES_SQL, {"ids": _json_ints(rowids)}).fetchall())
    nrow = totals.rows
    avgdl = float(totals.tokens) / float(nrow)
    idf = []
    for hit in counts:
        value = math.log((nrow - hit + 0.5) / (hit + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    scored = []
    for rowid, row, columns in zip(rowids, rows, marked, strict=True):
        freq = [0.0] * len(prefixes)
        for column, found in enumerate(columns):
            weight = _WEIGHTS[column]
            for word in found:
                for phrase in instances[word]:
                    freq[phrase] += weight
        length = float(sum(varints(bytes(sizes[rowid]))))
        score = 0.0
        for i, f in enumerate(freq):
            score += idf[i] * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * length / avgdl)))
        score = -(-1.0 * score)  # what `-bm25()` gives, sign for sign
        name, organization, needs = (_displayed(str(row[c] or "")) for c in (1, 2, 4))
        scored.append(Scored(rowid, score, (name, organization, needs, str(row[6] or ""))))
    return scored


def _displayed(text: str) -> str:
    """A highlighted column as highlight(..., '<mark>', '</mark>') gives it."""
    return text.replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


def _json_ints(values: Sequence[int]) -> str:
    return "[" + ",".join(str(v) for v in values) + "]"
