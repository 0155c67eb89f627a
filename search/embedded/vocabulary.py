"""What a search needs to know about the index as a whole: zones, language bits, term labels."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from search.embedded import facets
from search.embedded.facets import FACET_KINDS, Kind
from search.models import FACET_LIMITS, FacetValue


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Read once per index generation (from `term` only): zones, language bits, term labels."""

    zones: tuple[str, ...]
    language_bits: dict[str, int]
    labels: dict[Kind, dict[int, str]]
    numbers: dict[Kind, dict[str, int]]  # labels reversed: a need code's term number ...

    @classmethod
    def read(cls, connection: sqlite3.Connection) -> Vocabulary:
        """Read it from the index (inside the caller's read transaction)."""
        labels: dict[Kind, dict[int, str]] = {kind: {} for kind in Kind}
        bits: dict[str, int] = {}
        for no, kind, value, bit in connection.execute("SELECT no, kind, value, bit FROM term"):
            labels[Kind(kind)][no] = value
            if kind == Kind.LANGUAGE and bit is not None:
                bits[value] = bit
        # Zones ever indexed (a few more than in use after deletes costs one CASE arm each).
        zones = tuple(sorted(labels.pop(Kind.ZONE).values()))
        numbers = {kind: {v: no for no, v in found.items()} for kind, found in labels.items()}
        return cls(zones, bits, labels, numbers)


def _organizations(
    connection: sqlite3.Connection, counted: facets.Counted, limit: int
) -> tuple[FacetValue, ...]:
    # The most frequent organizations (ties by number), shown by count then name.
    numbers = counted.numbers[:limit]
    counts = dict(zip(numbers, counted.counts[:limit], strict=True))
    marks = ",".join("?" * len(numbers))
    rows = connection.execute(f"SELECT no, id, name FROM org WHERE no IN ({marks})", numbers)
    values = [FacetValue(str(org_id), str(name), counts[no]) for no, org_id, name in rows]
    return tuple(sorted(values, key=lambda v: (-v.count, v.label)))


def facet_values(
    connection: sqlite3.Connection, blob: bytes | None, words: Vocabulary
) -> dict[str, tuple[FacetValue, ...]]:
    """The facets of a match set from its concatenated facet codes."""
    if not blob:
        return {name: () for name in FACET_KINDS}
    return counted_values(connection, facets.count(blob), words)


def counted_values(
    connection: sqlite3.Connection, counted: dict[Kind, facets.Counted] | None, words: Vocabulary
) -> dict[str, tuple[FacetValue, ...]]:
    """The facets of a match set from its counted codes (None: nothing matched)."""
    if counted is None:
        return {name: () for name in FACET_KINDS}
    found: dict[str, tuple[FacetValue, ...]] = {}
    for name, kind in FACET_KINDS.items():
        limit = FACET_LIMITS[name]
        if kind is Kind.ORGANIZATION:
            found[name] = _organizations(connection, counted[kind], limit)
        else:
            pairs = facets.top(counted[kind], words.labels[kind], limit)
            found[name] = tuple(FacetValue(value, value, n) for value, n in pairs)
    return found
