"""The column store of the embedded index: per-document values and posting bitmaps for numpy.

A search with no place matches thousands of documents nationwide; reading each match's `doc`
row is a random B-tree lookup, and sorting and counting them in SQL costs more again. So each
document's fixed-width values (freshness, capacity, cost, ages, flags, delivery mode,
organization and a prefix of its id, for ordering) are also kept in arrays indexed by rowid,
and the documents of each need code, each language and the live set in bitmaps over rowids.

They live in the index file itself (table `col`), in chunks of `CHUNK` rowids: a write
transaction rewrites only the chunks it touched, stamped with the generation it commits, so a
reader loads them in its own snapshot and, at the next generation, reloads only what changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from search.embedded.compiler import CAPACITY_FACTORS, UNKNOWN_CAPACITY_FACTOR

# Rowids per chunk of values (8192: 8-64 kB per field) and of bitmaps (65536: 8 kB): a write
# rewrites the chunks it touched; a load reads each chunk as one row.
CHUNK_SHIFT = 13
CHUNK = 1 << CHUNK_SHIFT
BITS_SHIFT = 16
BITS_CHUNK = 1 << BITS_SHIFT

# Names in `col`: doc.<field> for the values, LIVE, need:<term no> and lang:<term no> for bitmaps.
_FIELD_PREFIX = "doc."
LIVE = "live"
RESET = "reset"  # written by each rebuild: readers of an older generation reload everything
_NEED_PREFIX = "need:"
_LANGUAGE_PREFIX = "lang:"

# One document's fixed-width values. The id's first 16 bytes are read as two big-endian
# integers, so comparing (hi, lo) orders documents as SQLite orders their ids (bytewise).
DOC_DTYPE = np.dtype(
    [
        ("verified_at", "<f8"),  # NaN: never verified (never fresh, as NULL in SQL)
        ("min_cost", "<f8"),  # NaN: unknown (never passes a cost filter, as NULL in SQL)
        ("key_hi", "<u8"),
        ("key_lo", "<u8"),
        ("min_age", "<i4"),  # no limit: the smallest int32 (every age passes)
        ("max_age", "<i4"),  # no limit: the largest
        ("mode", "<i4"),  # delivery mode's term number
        ("org", "<i4"),  # organization's number
        ("capacity", "u1"),  # CAPACITY_CODES
        ("free", "u1"),
        ("accepts", "u1"),
        ("evenings", "u1"),
    ]
)
FIELDS: tuple[str, ...] = DOC_DTYPE.names or ()
_NO_MIN_AGE, _NO_MAX_AGE = -(2**31), 2**31 - 1
# Capacity statuses by code: 0 none, 1-4 the known statuses, OTHER_CAPACITY any other text.
CAPACITY_CODES: dict[str | None, int] = {
    None: 0,
    **{status: n for n, status in enumerate(CAPACITY_FACTORS, start=1)},
}
OTHER_CAPACITY = len(CAPACITY_CODES)
# The score's capacity factor by code (as the SQL CASE: anything unknown gets the default).
CAPACITY_FACTOR_BY_CODE = np.array(
    [UNKNOWN_CAPACITY_FACTOR, *CAPACITY_FACTORS.values(), UNKNOWN_CAPACITY_FACTOR]
)

COLUMN_SQL = f"SELECT name, chunk, data FROM col WHERE name != '{RESET}'"
CHANGED_SQL = "SELECT name, chunk, data FROM col WHERE gen > ?"


def need_column(number: int) -> str:
    """The bitmap name of a need code's term number."""
    return f"{_NEED_PREFIX}{number}"


def language_column(number: int) -> str:
    """The bitmap name of a language's term number."""
    return f"{_LANGUAGE_PREFIX}{number}"


def id_key(document_id: str) -> tuple[int, int]:
    """The first 16 bytes of an id as two big-endian integers (zero-padded: shorter sorts first)."""
    raw = document_id.encode()[:16].ljust(16, b"\0")
    return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def record(
    *,
    document_id: str,
    verified_at: float | None,
    min_cost: float | None,
    min_age: int | None,
    max_age: int | None,
    mode: int,
    org: int,
    capacity: str | None,
    free: bool,
    accepts: bool,
    evenings: bool,
) -> tuple[Any, ...]:
    """One document's values in DOC_DTYPE order."""
    hi, lo = id_key(document_id)
    return (
        _nan(verified_at),
        _nan(min_cost),
        hi,
        lo,
        _NO_MIN_AGE if min_age is None else max(_NO_MIN_AGE, min(_NO_MAX_AGE, min_age)),
        _NO_MAX_AGE if max_age is None else max(_NO_MIN_AGE, min(_NO_MAX_AGE, max_age)),
        mode,
        org,
        CAPACITY_CODES.get(capacity, OTHER_CAPACITY),
        int(free),
        int(accepts),
        int(evenings),
    )


class ColumnWriter:
    """The chunks one write transaction touched, written back by `flush`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._records: dict[int, NDArray[Any]] = {}
        self._bits: dict[tuple[str, int], bytearray] = {}

    def _stored(self, name: str, chunk: int) -> bytes | None:
        row = self.connection.execute(
            "SELECT data FROM col WHERE name = ? AND chunk = ?", (name, chunk)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def _records_of(self, chunk: int) -> NDArray[Any]:
        found = self._records.get(chunk)
        if found is None:
            found = np.zeros(CHUNK, DOC_DTYPE)
            for field in FIELDS:
                data = self._stored(_FIELD_PREFIX + field, chunk)
                if data is not None:
                    found[field] = np.frombuffer(data, DOC_DTYPE[field])
            self._records[chunk] = found
        return found

    def _bits_of(self, name: str, chunk: int) -> bytearray:
        found = self._bits.get((name, chunk))
        if found is None:
            data = self._stored(name, chunk)
            found = bytearray(data) if data is not None else bytearray(BITS_CHUNK // 8)
            self._bits[(name, chunk)] = found
        return found

    def put(
        self,
        rowid: int,
        values: tuple[Any, ...],
        needs: Iterable[int],
        languages: Iterable[int],
    ) -> None:
        """Store a document's values and set its bits (live, each need and language)."""
        self._records_of(rowid >> CHUNK_SHIFT)[rowid & (CHUNK - 1)] = values
        for bytes_, byte, bit in self._bit_places(rowid, needs, languages):
            bytes_[byte] |= bit

    def put_many(
        self,
        first: int,
        values: Sequence[tuple[Any, ...]],
        needs: Sequence[Iterable[int]],
        languages: Sequence[Iterable[int]],
    ) -> None:
        """`put` for the documents of rowids first, first + 1, ... (a rebuild's batch): each
        chunk's values are set as one slice and each bitmap's bits in one numpy operation."""
        if not values:
            return
        last = first + len(values) - 1
        records = np.array(values, DOC_DTYPE)
        for chunk in range(first >> CHUNK_SHIFT, (last >> CHUNK_SHIFT) + 1):
            start, end = max(first, chunk * CHUNK), min(last + 1, (chunk + 1) * CHUNK)
            target = self._records_of(chunk)
            target[start - chunk * CHUNK : end - chunk * CHUNK] = records[
                start - first : end - first
            ]
        rowids: dict[str, list[int]] = {LIVE: list(range(first, last + 1))}
        for column, lists in ((need_column, needs), (language_column, languages)):
            for rowid, numbers in zip(range(first, last + 1), lists, strict=True):
                for number in numbers:
                    rowids.setdefault(column(number), []).append(rowid)
        for name, found in rowids.items():
            ids = np.array(found, np.int64)
            chunks = ids >> BITS_SHIFT
            for chunk in np.unique(chunks).tolist():
                slots = ids[chunks == chunk] & (BITS_CHUNK - 1)
                bits = np.frombuffer(self._bits_of(name, chunk), np.uint8)
                np.bitwise_or.at(bits, slots >> 3, (1 << (slots & 7)).astype(np.uint8))

    def drop(self, rowid: int, needs: Iterable[int], languages: Iterable[int]) -> None:
        """Clear a removed document's bits (its values are ignored once it is not live)."""
        for bytes_, byte, bit in self._bit_places(rowid, needs, languages):
            bytes_[byte] &= 0xFF ^ bit

    def _bit_places(
        self, rowid: int, needs: Iterable[int], languages: Iterable[int]
    ) -> list[tuple[bytearray, int, int]]:
        """Where a document's bit sits in its live, need and language bitmaps: chunk bytes,
        byte offset, bit mask."""
        chunk, slot = rowid >> BITS_SHIFT, rowid & (BITS_CHUNK - 1)
        byte, bit = slot >> 3, 1 << (slot & 7)
        names = [LIVE, *map(need_column, needs), *map(language_column, languages)]
        return [(self._bits_of(name, chunk), byte, bit) for name in names]

    def flush(self, *, below: int | None = None) -> None:
        """Write the touched chunks back (or only those wholly below rowid `below`, and forget
        them: a rebuild, whose rowids only grow, keeps few in memory)."""
        generation = _committing_generation(self.connection)
        rows: list[tuple[str, int, int, bytes]] = []
        for chunk in [c for c in self._records if below is None or (c + 1) * CHUNK <= below]:
            records = self._records.pop(chunk)
            for field in FIELDS:
                data = np.ascontiguousarray(records[field]).tobytes()
                rows.append((_FIELD_PREFIX + field, chunk, generation, data))
        done = [k for k in self._bits if below is None or (k[1] + 1) * BITS_CHUNK <= below]
        for name, chunk in done:
            rows.append((name, chunk, generation, bytes(self._bits.pop((name, chunk)))))
        self.connection.executemany(
            "INSERT INTO col (name, chunk, gen, data) VALUES (?, ?, ?, ?) ON CONFLICT (name, chunk)"
            " DO UPDATE SET gen = excluded.gen, data = excluded.data",
            rows,
        )


def _committing_generation(connection: sqlite3.Connection) -> int:
    # What a write stamps its chunks with: the generation its transaction commits
    # (`store.bump_generation` comes last in every write).
    return int(connection.execute("SELECT generation FROM meta").fetchone()[0]) + 1


def mark_rebuilt(connection: sqlite3.Connection) -> None:
    """Record that a rebuild rewrote every chunk (inside its write transaction)."""
    generation = _committing_generation(connection)
    connection.execute(
        "INSERT INTO col (name, chunk, gen, data) VALUES (?, 0, ?, x'') ON CONFLICT (name, chunk)"
        " DO UPDATE SET gen = excluded.gen",
        (RESET, generation),
    )


@dataclass(frozen=True, slots=True)
class ColumnStore:
    """The columns as one read snapshot saw them (immutable: shared by concurrent searches)."""

    generation: int
    size: int  # rowid slots, a multiple of BITS_CHUNK
    fields: dict[str, NDArray[Any]]  # each DOC_DTYPE field by rowid
    bitmaps: dict[str, NDArray[np.uint64]]  # by name, size // 64 words each
    need_rows: dict[int, int]  # need term number -> row of need_bits
    need_bits: NDArray[np.uint64]  # (needs, words)
    language_rows: dict[int, int]
    language_bits: NDArray[np.uint64]

    @property
    def live(self) -> NDArray[np.uint64]:
        """The bitmap of indexed documents."""
        found = self.bitmaps.get(LIVE)
        return found if found is not None else np.zeros(self.size // 64, np.uint64)

    @classmethod
    def read(
        cls, connection: sqlite3.Connection, generation: int, previous: ColumnStore | None = None
    ) -> ColumnStore:
        """Load the columns (inside the caller's read transaction), reusing `previous` if it can.

        Only chunks written since `previous` was loaded are read again, unless the index was
        rebuilt meanwhile (a rebuild drops the chunks it does not write again).
        """
        if previous is not None and previous.generation <= generation:
            if previous.generation == generation:
                return previous
            changed = connection.execute(CHANGED_SQL, (previous.generation,)).fetchall()
            if not any(name == RESET for name, _, _ in changed):
                return cls._assemble(generation, changed, previous)
        return cls._assemble(generation, connection.execute(COLUMN_SQL).fetchall(), None)

    @classmethod
    def _assemble(
        cls, generation: int, rows: list[tuple[str, int, bytes]], previous: ColumnStore | None
    ) -> ColumnStore:
        last = 0
        for name, chunk, _ in rows:
            last = max(
                last, (chunk + 1) * (CHUNK if name.startswith(_FIELD_PREFIX) else BITS_CHUNK)
            )
        if previous is not None:
            last = max(last, previous.size)
        size = -(-last // BITS_CHUNK) * BITS_CHUNK
        fields = {field: np.zeros(size, DOC_DTYPE[field]) for field in FIELDS}
        bitmaps: dict[str, NDArray[np.uint64]] = {}
        if previous is not None:
            for field, values in fields.items():
                values[: previous.size] = previous.fields[field]
            bitmaps = {
                # Untouched bitmaps are shared with the previous store (neither is written to).
                name: bits if bits.size * 64 == size else _grown(bits, size)
                for name, bits in previous.bitmaps.items()
            }
        touched: set[str] = set()
        for name, chunk, data in rows:
            if name.startswith(_FIELD_PREFIX):
                values = fields[name[len(_FIELD_PREFIX) :]]
                values[chunk * CHUNK : (chunk + 1) * CHUNK] = np.frombuffer(data, values.dtype)
                continue
            if name not in touched:
                touched.add(name)
                old = bitmaps.get(name)
                bitmaps[name] = old.copy() if old is not None else np.zeros(size // 64, np.uint64)
            start = chunk * (BITS_CHUNK // 64)
            bitmaps[name][start : start + BITS_CHUNK // 64] = np.frombuffer(data, "<u8")
        need_rows, need_bits = _stacked(bitmaps, _NEED_PREFIX, size, touched, previous, "need")
        language_rows, language_bits = _stacked(
            bitmaps, _LANGUAGE_PREFIX, size, touched, previous, "language"
        )
        return cls(
            generation, size, fields, bitmaps, need_rows, need_bits, language_rows, language_bits
        )


def _grown(bits: NDArray[np.uint64], size: int) -> NDArray[np.uint64]:
    grown = np.zeros(size // 64, np.uint64)
    grown[: bits.size] = bits
    return grown


def _stacked(
    bitmaps: dict[str, NDArray[np.uint64]],
    prefix: str,
    size: int,
    touched: set[str],
    previous: ColumnStore | None,
    kind: str,
) -> tuple[dict[int, int], NDArray[np.uint64]]:
    """One kind's bitmaps as the rows of a matrix (for counting facets in one operation)."""
    names = sorted(n for n in bitmaps if n.startswith(prefix))
    if previous is not None and previous.size == size and not touched.intersection(names):
        rows: dict[int, int] = getattr(previous, f"{kind}_rows")
        if len(rows) == len(names):
            return rows, getattr(previous, f"{kind}_bits")
    rows = {int(name[len(prefix) :]): i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), size // 64), np.uint64)
    for i, name in enumerate(names):
        matrix[i] = bitmaps[name]
    return rows, matrix
