"""Searches with no place, answered from the column store with numpy (see `columns.py`).

The matches come from bitmaps (need codes, languages, live documents; ORed within a kind,
ANDed across) or from the words' FTS5 rows with their bm25; every other filter, the score, the
total and the facet counts are then array operations over the matches, never a row lookup.
Only the page's candidates (the page, plus documents that tie with its last one on the sort
value and the first 16 bytes of the id) are read from SQLite, then put in exact (sort, id)
order. Results are those of the SQL path (`compiler.py`): same matches, same floating-point
score (the same products in the same order), same order and cursor.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from search.embedded.columns import (
    CAPACITY_CODES,
    CAPACITY_FACTOR_BY_CODE,
    ColumnStore,
    id_key,
)
from search.embedded.compiler import NO_DISTANCE, STALE_FACTOR
from search.embedded.facets import Counted, Kind
from search.embedded.textscore import RELEVANCE_SQL
from search.embedded.vocabulary import Vocabulary
from search.models import FACET_LIMITS, ProgramFilters, SearchRequest, SortOrder

# Every document the words match, with its text relevance (as the SQL path scores it).
TEXT_SQL = f"SELECT rowid, {RELEVANCE_SQL} FROM doc_fts WHERE doc_fts MATCH :q"
# The page's candidates: their ids (for the exact order) and bodies (for the hits).
CANDIDATES_SQL = (
    "SELECT d.rowid, d.id, b.body FROM doc d CROSS JOIN doc_body b ON b.rowid = d.rowid"
    " WHERE d.rowid IN (SELECT value FROM json_each(:rowids))"
)
_NO_PROGRAM = ProgramFilters()
_EMPTY = np.zeros(0, np.int64)
_ONE = np.uint64(1)
_BLOCK_WORDS = 4096  # bitmap words per block when counting facets (fits the CPU's caches)
# Page rows as the SQL path reads them: rowid, id, score, distance, sort value, body.
PageRow = tuple[int, str, float, None, float, str]


def eligible(request: SearchRequest) -> bool:
    """Whether the column store can answer this request (no place, open-now or program facts)."""
    return (
        request.point is None
        and not request.open_now
        and (request.program is None or request.program == _NO_PROGRAM)
        and all(status in CAPACITY_CODES for status in request.capacity)
    )


Matches = tuple[NDArray[np.int64], NDArray[np.float64]]


def text_matches(connection: sqlite3.Connection, expression: str) -> Matches:
    """The rowids the words match and their text relevance."""
    rows = connection.execute(TEXT_SQL, {"q": expression}).fetchall()
    if not rows:
        return _EMPTY, np.zeros(0)
    # From the flat sequence of pairs: np.array over a list of tuples inspects each tuple.
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=2 * len(rows))
    return flat[0::2].astype(np.int64), flat[1::2].copy()


@dataclass(frozen=True, slots=True)
class Selection:
    """A search's total, facet counts and the page's candidates (unordered)."""

    total: int
    rowids: NDArray[np.int64]
    scores: NDArray[np.float64]
    sorts: NDArray[np.float64]
    counted: dict[Kind, Counted] | None


def _any_of(
    rows: dict[int, int],
    matrix: NDArray[np.uint64],
    numbers: dict[str, int],
    codes: tuple[str, ...],
) -> NDArray[np.uint64] | None:
    """A bitmap of the documents having any of these codes (unknown: none); None if none asked."""
    if not codes:
        return None
    known = (numbers.get(code) for code in codes)
    found = [rows[n] for n in known if n is not None and n in rows]
    if not found:
        return np.zeros(matrix.shape[1], np.uint64)
    combined: NDArray[np.uint64] = (
        matrix[found[0]] if len(found) == 1 else np.bitwise_or.reduce(matrix[found], axis=0)
    )
    return combined


def _positions(words: NDArray[np.uint64]) -> NDArray[np.int64]:
    """The set bits of a bitmap, ascending."""
    nonzero = np.flatnonzero(words)
    if nonzero.size * 8 >= words.size:
        return np.flatnonzero(np.unpackbits(words.view(np.uint8), bitorder="little"))
    # Sparse: unpack only the words holding a bit.
    bits = np.unpackbits(words[nonzero].view(np.uint8), bitorder="little").reshape(-1, 64)
    word, bit = np.nonzero(bits)
    return nonzero[word] * 64 + bit


def _has(words: NDArray[np.uint64], rowids: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each rowid's bit is set."""
    shifts = (rowids & 63).astype(np.uint64)
    found: NDArray[np.bool_] = ((words[rowids >> 6] >> shifts) & _ONE).astype(bool)
    return found


def _matches(
    store: ColumnStore, request: SearchRequest, words: Vocabulary, text: Matches | None
) -> tuple[NDArray[np.int64], NDArray[np.float64] | float]:
    needs = _any_of(store.need_rows, store.need_bits, words.numbers[Kind.NEED], request.needs)
    languages = _any_of(
        store.language_rows, store.language_bits, words.numbers[Kind.LANGUAGE], request.languages
    )
    if text is None:
        mask = store.live
        for wanted in (needs, languages):
            if wanted is not None:
                mask = mask & wanted
        return _positions(mask), 1.0
    rowids, relevance = text
    keep: NDArray[np.bool_] | None = None
    for wanted in (needs, languages):
        if wanted is not None:
            has = _has(wanted, rowids)
            keep = has if keep is None else keep & has
    if keep is None:
        return rowids, relevance
    return rowids[keep], relevance[keep]


def _filters(
    store: ColumnStore, request: SearchRequest, words: Vocabulary, rowids: NDArray[np.int64]
) -> NDArray[np.bool_] | None:
    """Which matches pass the other filters (None: there are none)."""
    column = store.fields
    checks: list[NDArray[np.bool_]] = []
    if request.free:
        checks.append(column["free"][rowids] == 1)
    if request.max_cost is not None:
        checks.append(column["min_cost"][rowids] <= request.max_cost)
    if request.age is not None:
        # No limit is stored as the extreme int32, which every age passes.
        checks.append(column["min_age"][rowids] <= request.age)
        checks.append(column["max_age"][rowids] >= request.age)
    if request.delivery_modes:
        numbers = [words.numbers[Kind.MODE].get(m, -1) for m in request.delivery_modes]
        checks.append(np.isin(column["mode"][rowids], numbers))
    if request.accepting_referrals:
        checks.append(column["accepts"][rowids] == 1)
    if request.capacity:
        codes = [CAPACITY_CODES[status] for status in request.capacity]
        checks.append(np.isin(column["capacity"][rowids], codes))
    if request.open_evenings:
        checks.append(column["evenings"][rowids] == 1)
    if not checks:
        return None
    passed: NDArray[np.bool_] = np.logical_and.reduce(checks)
    return passed


def _ranked(
    numbers: NDArray[np.int64], counts: NDArray[np.int64], limit: int | None = None
) -> Counted:
    """Numbers with their counts, most frequent first, ties by number (as `facets.count`);
    only the first `limit` of them if given."""
    present = counts > 0
    numbers, counts = numbers[present], counts[present]
    if limit is not None and numbers.size > limit:
        # Those at least as frequent as the limit-th (its ties are cut by number below).
        cut = np.partition(counts, numbers.size - limit)[numbers.size - limit]
        frequent = counts >= cut
        numbers, counts = numbers[frequent], counts[frequent]
    order = np.lexsort((numbers, -counts))[:limit]
    return Counted(tuple(numbers[order].tolist()), tuple(counts[order].tolist()))


def _bitmap_counts(
    rows: dict[int, int], matrix: NDArray[np.uint64], words: NDArray[np.uint64]
) -> Counted:
    """How many of the marked documents each bitmap (row) holds."""
    numbers = np.fromiter(rows, dtype=np.int64, count=len(rows))
    nonzero = np.flatnonzero(words)
    if nonzero.size * 8 < words.size:
        # A sparse match: only the words holding a match (gathering columns is slow when many).
        matrix, words = matrix[:, nonzero], words[nonzero]
    # In blocks of columns through one buffer: a single `matrix & words` at a million documents
    # allocates (and faults in) two arrays the size of the whole matrix, about half the time.
    counts = np.zeros(matrix.shape[0], np.int64)
    buffer = np.empty((matrix.shape[0], min(_BLOCK_WORDS, words.size)), np.uint64)
    for start in range(0, words.size, _BLOCK_WORDS):
        end = min(start + _BLOCK_WORDS, words.size)
        block = buffer[:, : end - start]
        np.bitwise_and(matrix[:, start:end], words[start:end], out=block)
        counts += np.bitwise_count(block).sum(axis=1, dtype=np.int64)
    return _ranked(numbers, counts)


def _value_counts(values: NDArray[np.int32], limit: int | None = None) -> Counted:
    tally = np.bincount(values)
    return _ranked(np.arange(tally.size, dtype=np.int64), tally.astype(np.int64), limit)


def count_facets(store: ColumnStore, rowids: NDArray[np.int64]) -> dict[Kind, Counted]:
    """Facet counts of a match set: needs and languages by bitmap, the rest by value (only the
    organizations the facet lists: there are thousands)."""
    marked = np.zeros(store.size, bool)
    marked[rowids] = True
    words = np.packbits(marked, bitorder="little").view("<u8")
    return {
        Kind.NEED: _bitmap_counts(store.need_rows, store.need_bits, words),
        Kind.LANGUAGE: _bitmap_counts(store.language_rows, store.language_bits, words),
        Kind.MODE: _value_counts(store.fields["mode"][rowids]),
        Kind.ORGANIZATION: _value_counts(
            store.fields["org"][rowids], FACET_LIMITS["organizations"]
        ),
    }


def _smallest(keys: tuple[NDArray[Any], ...], wanted: int) -> NDArray[np.int64]:
    """Positions of every row up to the `wanted`-th smallest by the keys (ties included)."""
    candidates = np.arange(keys[0].size)
    if candidates.size <= wanted:
        return candidates
    chosen: list[NDArray[np.int64]] = []
    for key in keys:
        if candidates.size <= wanted:
            break
        values = key[candidates]
        cut = np.partition(values, wanted - 1)[wanted - 1]
        below = candidates[values < cut]
        chosen.append(below)
        wanted -= below.size
        candidates = candidates[values == cut]
    chosen.append(candidates)
    return np.concatenate(chosen)


def select(
    store: ColumnStore, request: SearchRequest, words: Vocabulary, text: Matches | None = None
) -> Selection:
    """Match, filter, score, count and pick the page's candidates of an eligible request."""
    rowids, relevance = _matches(store, request, words, text)
    keep = _filters(store, request, words, rowids)
    if keep is not None:
        rowids = rowids[keep]
        if not isinstance(relevance, float):
            relevance = relevance[keep]
    fresh: NDArray[np.float64] | float = 1.0
    if request.stale_before is not None:
        cutoff = request.stale_before.timestamp()
        fresh = np.where(store.fields["verified_at"][rowids] >= cutoff, 1.0, STALE_FACTOR)
    capacity = CAPACITY_FACTOR_BY_CODE[store.fields["capacity"][rowids]]
    # The SQL path's product, term by term in its order: text * distance * fresh * capacity.
    scores = np.asarray(relevance * 1.0 * fresh * capacity, dtype=np.float64)
    relevant = request.sort is SortOrder.RELEVANCE
    sorts = -scores if relevant else np.full(rowids.size, NO_DISTANCE)
    counted = count_facets(store, rowids) if request.facets and rowids.size else None
    hi, lo = store.fields["key_hi"][rowids], store.fields["key_lo"][rowids]
    wanted = request.first + 1
    after = request.after
    if after is None:
        positions = np.arange(rowids.size)
    else:
        # Past the cursor by sort value, or tied with it and not before its id's prefix; the
        # rows sharing its prefix exactly are settled on the full ids (one more each).
        key_hi, key_lo = (np.uint64(k) for k in id_key(after.document_id))
        tied = sorts == after.sort_value
        same = tied & (hi == key_hi) & (lo == key_lo)
        later = (hi > key_hi) | ((hi == key_hi) & (lo >= key_lo))
        positions = np.flatnonzero((sorts > after.sort_value) | (tied & later))
        wanted += int(np.count_nonzero(same))
    picked = positions[_smallest((sorts[positions], hi[positions], lo[positions]), wanted)]
    return Selection(rowids.size, rowids[picked], scores[picked], sorts[picked], counted)


def page_rows(
    connection: sqlite3.Connection, selection: Selection, request: SearchRequest
) -> list[PageRow]:
    """The page's rows (one more than asked, to tell if there is a next page) in exact order."""
    if not selection.rowids.size:
        return []
    rowids = selection.rowids.tolist()
    found = {
        rowid: (doc_id, body)
        for rowid, doc_id, body in connection.execute(
            CANDIDATES_SQL, {"rowids": json.dumps(rowids)}
        )
    }
    rows: list[PageRow] = []
    after = request.after
    for rowid, score, sort in zip(
        rowids, selection.scores.tolist(), selection.sorts.tolist(), strict=True
    ):
        doc_id, body = found[rowid]
        if after is not None and sort == after.sort_value and doc_id <= after.document_id:
            continue
        rows.append((rowid, doc_id, score, None, sort, body))
    rows.sort(key=lambda row: (row[4], row[1]))
    return rows[: request.first + 1]
