"""Small-cell suppression: hide every count under 11 and every count derivable from the others.

Pure functions over plain dicts, so the rules are tested exhaustively without a database.

Primary suppression: any count below the threshold (0 included: "under 11" means 0-10) is hidden.

Secondary suppression works on *lines*, equations a reader can solve: a total equals the sum of
its parts, plus (unless the line is `exact`) a never-published rest, e.g. "sent but not viewed"
when the funnel publishes sent and viewed. The unknowns of a line are its hidden cells and the
rest. One unknown is found exactly by subtraction: that is safe only for a rest of at least the
threshold (a hidden cell is hidden because it is small or because it shields one). Two or more
unknowns under a published total reveal their sum, which must reach the threshold. An unsafe
line gets its smallest published part hidden, or its total when no part is left. Lines share
cells (a table's rows and columns cross), so the pass repeats until nothing changes.

This is the usual line-by-line heuristic; it does not solve several lines jointly (no linear
programming audit), and it protects one table, not differences between two reports.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

THRESHOLD = 11
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Cell:
    """A published count: the value, or None with `suppressed` set."""

    value: int | None
    suppressed: bool

    @classmethod
    def hidden(cls) -> Cell:
        """A suppressed cell."""
        return cls(None, True)


@dataclass(frozen=True, slots=True)
class Line:
    """total = sum(parts) (+ an unpublished rest unless `exact`); parts are disjoint."""

    total: Hashable
    parts: tuple[Hashable, ...]
    exact: bool = False


def primary(values: Mapping[K, int], threshold: int = THRESHOLD) -> set[K]:
    """Keys of the counts under the threshold."""
    return {key for key, value in values.items() if value < threshold}


class _Lines:
    """Lines with running counts of their hidden parts, so a safety check costs O(1).

    Cells are numbered once up front: report keys are nested tuples whose hashes Python does
    not cache, and a large grouping touches each key many times.
    """

    def __init__(self, lines: list[Line], values: dict[Hashable, int], threshold: int) -> None:
        self.keys = list(values)
        ids = {key: i for i, key in enumerate(self.keys)}
        self.values = list(values.values())
        self.threshold = threshold
        self.hidden = [value < threshold for value in self.values]
        self.totals: list[int] = []
        self.parts: list[tuple[int, ...]] = []
        self.exact: list[bool] = []
        self.rest: list[int] = []
        self.count = [0] * len(lines)
        self.sum = [0] * len(lines)
        self.touching: list[list[int]] = [[] for _ in self.keys]
        self.part_of: list[list[int]] = [[] for _ in self.keys]
        for i, line in enumerate(lines):
            try:
                total = ids[line.total]
                parts = tuple(ids[p] for p in line.parts)
            except KeyError as missing:
                raise KeyError(f"line refers to unknown cell {missing.args[0]!r}") from None
            if len(set(parts)) != len(parts):
                raise ValueError("a line lists a part twice")
            rest = self.values[total] - sum(self.values[p] for p in parts)
            if rest < 0 or (line.exact and rest != 0):
                raise ValueError(f"the parts of {line.total!r} do not add up to it")
            self.totals.append(total)
            self.parts.append(parts)
            self.exact.append(line.exact)
            self.rest.append(rest)
            self.touching[total].append(i)
            for part in parts:
                self.touching[part].append(i)
                self.part_of[part].append(i)
                if self.hidden[part]:
                    self.count[i] += 1
                    self.sum[i] += self.values[part]

    def safe(self, i: int) -> bool:
        """True when no small count can be found from line i by subtraction."""
        total_hidden = self.hidden[self.totals[i]]
        unknowns = self.count[i] + (0 if self.exact[i] else 1) + total_hidden
        if unknowns == 0:
            return True
        if unknowns == 1:
            # A lone hidden cell is found exactly; a lone rest only matters when small.
            return self.count[i] == 0 and not total_hidden and self.rest[i] >= self.threshold
        if total_hidden:
            # Unknowns on both sides of the equation pin down only their difference.
            return True
        return self.rest[i] + self.sum[i] >= self.threshold

    def hide(self, cell: int) -> list[int]:
        """Hide a cell; returns the lines to check again."""
        self.hidden[cell] = True
        for i in self.part_of[cell]:
            self.count[i] += 1
            self.sum[i] += self.values[cell]
        return self.touching[cell]

    def fix(self, i: int) -> list[int]:
        """Hide the smallest published parts of line i (or its total) until it is safe."""
        if self.safe(i):
            return []
        again: list[int] = []
        published = sorted(
            (p for p in self.parts[i] if not self.hidden[p]),
            key=lambda p: (self.values[p], repr(self.keys[p])),
        )
        for part in published:
            again += self.hide(part)
            if self.safe(i):
                return again
        if not self.hidden[self.totals[i]]:
            again += self.hide(self.totals[i])
        return again


def suppress(
    values: Mapping[K, int],
    lines: Iterable[Line] = (),
    *,
    threshold: int = THRESHOLD,
) -> dict[K, Cell]:
    """Apply primary and secondary suppression; every key of `values` gets a Cell."""
    table: dict[Hashable, int] = {key: value for key, value in values.items()}
    state = _Lines(list(lines), table, threshold)
    # A worklist: a line is checked again only when one of its cells was hidden since.
    pending = list(range(len(state.totals)))
    queued = set(pending)
    while pending:
        index = pending.pop()
        queued.discard(index)
        for other in state.fix(index):
            if other not in queued:
                queued.add(other)
                pending.append(other)
    return {
        key: Cell.hidden() if hidden else Cell(value, False)
        for (key, value), hidden in zip(values.items(), state.hidden, strict=True)
    }


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector around synchronous work that allocates many tuples.

    A large grouping builds tens of thousands of key tuples and lines, none of them cyclic; each
    burst of allocations would otherwise start collections that walk the whole heap, several
    times the cost of the work itself. The block must not await: the pause is process-wide.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """A share published only when both counts are (a rate times its base gives the count)."""
    if numerator.suppressed or denominator.suppressed:
        return None
    if numerator.value is None or not denominator.value:
        return None
    return numerator.value / denominator.value
