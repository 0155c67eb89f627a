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

from collections.abc import Hashable, Iterable, Mapping
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
    """Lines with running counts of their hidden parts, so a safety check costs O(1)."""

    def __init__(self, lines: list[Line], values: dict[Hashable, int], threshold: int) -> None:
        self.lines, self.values, self.threshold = lines, values, threshold
        self.hidden: set[Hashable] = set(primary(values, threshold))
        self.rest: list[int] = []
        self.count = [0] * len(lines)
        self.sum = [0] * len(lines)
        self.touching: dict[Hashable, list[int]] = {}
        self.part_of: dict[Hashable, list[int]] = {}
        for i, line in enumerate(lines):
            for key in (line.total, *line.parts):
                if key not in values:
                    raise KeyError(f"line refers to unknown cell {key!r}")
                self.touching.setdefault(key, []).append(i)
            for part in line.parts:
                self.part_of.setdefault(part, []).append(i)
            if len(set(line.parts)) != len(line.parts):
                raise ValueError("a line lists a part twice")
            rest = values[line.total] - sum(values[p] for p in line.parts)
            if rest < 0 or (line.exact and rest != 0):
                raise ValueError(f"the parts of {line.total!r} do not add up to it")
            self.rest.append(rest)
            for part in line.parts:
                if part in self.hidden:
                    self.count[i] += 1
                    self.sum[i] += values[part]

    def safe(self, i: int) -> bool:
        """True when no small count can be found from line i by subtraction."""
        line = self.lines[i]
        total_hidden = line.total in self.hidden
        unknowns = self.count[i] + (0 if line.exact else 1) + total_hidden
        if unknowns == 0:
            return True
        if unknowns == 1:
            # A lone hidden cell is found exactly; a lone rest only matters when small.
            return self.count[i] == 0 and not total_hidden and self.rest[i] >= self.threshold
        if total_hidden:
            # Unknowns on both sides of the equation pin down only their difference.
            return True
        return self.rest[i] + self.sum[i] >= self.threshold

    def hide(self, key: Hashable) -> list[int]:
        """Hide a cell; returns the lines to check again."""
        self.hidden.add(key)
        for i in self.part_of.get(key, ()):
            self.count[i] += 1
            self.sum[i] += self.values[key]
        return self.touching[key]

    def fix(self, i: int) -> list[int]:
        """Hide the smallest published parts of line i (or its total) until it is safe."""
        if self.safe(i):
            return []
        line, again = self.lines[i], []
        published = sorted(
            (p for p in line.parts if p not in self.hidden), key=lambda p: (self.values[p], repr(p))
        )
        for part in published:
            again += self.hide(part)
            if self.safe(i):
                return again
        if line.total not in self.hidden:
            again += self.hide(line.total)
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
    pending = list(range(len(state.lines)))
    queued = set(pending)
    while pending:
        index = pending.pop()
        queued.discard(index)
        for other in state.fix(index):
            if other not in queued:
                queued.add(other)
                pending.append(other)
    return {
        key: Cell.hidden() if key in state.hidden else Cell(value, False)
        for key, value in values.items()
    }


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """A share published only when both counts are (a rate times its base gives the count)."""
    if numerator.suppressed or denominator.suppressed:
        return None
    if numerator.value is None or not denominator.value:
        return None
    return numerator.value / denominator.value
