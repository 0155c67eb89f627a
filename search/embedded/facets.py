"""Facet codes: each document's facet values as numbers, counted over a whole match at once.

A document stores its need codes, languages, delivery mode and organization as one blob of
little-endian uint32 codes (the kind in the top bits, the value's number below). A search
concatenates the blobs of its matches in one SQL pass (`group_concat`), and numpy counts them:
SQLite would otherwise sort every (match, value) pair to group it, which costs far more than
reading the match set.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

_KIND_SHIFT = 28
_NUMBER_MASK = (1 << _KIND_SHIFT) - 1
# Languages beyond the first 62 share this bit: a search for one of them probes doc_language.
OTHER_LANGUAGES_BIT = 62
# Blobs up to this many bytes (64 codes) are counted without numpy.
_UINT32 = "I" if array("I").itemsize == 4 else "L"
_SMALL_BLOB = 256


class Kind(IntEnum):
    """What a facet code numbers; also `term.kind` (which adds the time zones in use)."""

    NEED = 0
    LANGUAGE = 1
    MODE = 2
    ORGANIZATION = 3
    ZONE = 4  # a term only (open-now needs the zones in use), never in a facet blob


# Iterating an Enum costs microseconds each time.
_KINDS = (Kind.NEED, Kind.LANGUAGE, Kind.MODE, Kind.ORGANIZATION)
_KIND_BOUNDS = np.array([kind << _KIND_SHIFT for kind in range(len(_KINDS) + 1)], np.uint64)
FACET_KINDS = {
    "needs": Kind.NEED,
    "languages": Kind.LANGUAGE,
    "organizations": Kind.ORGANIZATION,
    "delivery_modes": Kind.MODE,
}


def encode(codes: Iterable[tuple[Kind, int]]) -> bytes:
    """The facet blob of one document."""
    values = [(kind << _KIND_SHIFT) | number for kind, number in codes]
    return struct.pack(f"<{len(values)}I", *values)


def decode(blob: bytes) -> list[tuple[Kind, int]]:
    """The (kind, number) codes of one document's facet blob."""
    values = struct.unpack(f"<{len(blob) // 4}I", blob)
    return [(Kind(v >> _KIND_SHIFT), v & _NUMBER_MASK) for v in values]


@dataclass(frozen=True, slots=True)
class Counted:
    """Numbers and match counts of one facet's values, most frequent first (ties by number)."""

    numbers: tuple[int, ...]
    counts: tuple[int, ...]


def count(blob: bytes | None) -> dict[Kind, Counted]:
    """Count the codes of a match set's concatenated facet blobs, per kind."""
    blob = blob or b""
    if len(blob) <= _SMALL_BLOB:
        return _count_small(blob)
    # Sorting the codes groups them by kind (the top bits) then number: each kind is a slice.
    values, counts = np.unique(np.frombuffer(blob, dtype="<u4"), return_counts=True)
    cuts = np.searchsorted(values, _KIND_BOUNDS).tolist()
    found: dict[Kind, Counted] = {}
    for kind in _KINDS:
        numbers = (values[cuts[kind] : cuts[kind + 1]] & _NUMBER_MASK).astype(np.int64)
        tally = counts[cuts[kind] : cuts[kind + 1]]
        order = np.lexsort((numbers, -tally))  # count descending, then number
        found[kind] = Counted(tuple(numbers[order].tolist()), tuple(tally[order].tolist()))
    return found


def _count_small(blob: bytes) -> dict[Kind, Counted]:
    # A few dozen codes: plain Python beats numpy's per-call overhead.
    codes = array(_UINT32, blob)
    if sys.byteorder == "big":  # pragma: no cover - the blobs are little-endian
        codes.byteswap()
    per_kind: list[list[tuple[int, int]]] = [[] for _ in _KINDS]
    for code, n in Counter(codes).items():
        per_kind[code >> _KIND_SHIFT].append((-n, code & _NUMBER_MASK))
    found: dict[Kind, Counted] = {}
    for kind in _KINDS:
        pairs = sorted(per_kind[kind])  # count descending, then number
        found[kind] = Counted(tuple(n for _, n in pairs), tuple(-c for c, _ in pairs))
    return found


def top(counted: Counted, labels: Mapping[int, str], limit: int) -> list[tuple[str, int]]:
    """The `limit` most frequent values by label, ties in label order (as SQL would sort)."""
    pairs = sorted(
        ((labels[n], c) for n, c in zip(counted.numbers, counted.counts, strict=True)),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return pairs[:limit]
