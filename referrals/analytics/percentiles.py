"""Percentiles by the nearest-rank definition, in plain Python, and merged across sorted chunks.

Definition: of n values sorted ascending, the p-th percentile is the value at rank ceil(p * n)
(1-based). The median is therefore the lower middle value when n is even; p90 of 10 values is
the 9th. Ranks are integer arithmetic: median rank = (n + 1) / 2, p90 rank = (9n + 9) / 10
(integer division).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from itertools import repeat

MEDIAN = (1, 2)
P90 = (9, 10)


def nearest_rank(values: Sequence[int], fraction: tuple[int, int]) -> int | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    num, den = fraction
    rank = math.ceil(len(values) * num / den)
    return sorted(values)[max(rank, 1) - 1]


def rank_of(n: int, fraction: tuple[int, int]) -> int:
    """The 1-based nearest rank ceil(n * num / den) of n values (at least 1)."""
    num, den = fraction
    return max((n * num + den - 1) // den, 1)


def select_rank(chunks: Sequence[Sequence[int]], rank: int) -> int:
    """The `rank`-th smallest (1-based) of several ascending sequences taken together.

    Bisects on the value instead of merging: each step counts the values <= a candidate with one
    C-level bisect per chunk, so sorted monthly chunks are never merged in Python. The search
    starts between the smallest and largest of the chunks' own values at the same relative
    rank: the answer always lies there, and that bracket is far narrower than min..max.
    """
    filled = [c for c in chunks if c]
    if len(filled) == 1:
        return filled[0][rank - 1]
    n = sum(map(len, filled))
    at = [c[max((len(c) * rank + n - 1) // n, 1) - 1] for c in filled]
    low, high = min(at), max(at)
    while low < high:
        middle = (low + high) // 2
        if sum(map(bisect_right, filled, repeat(middle))) >= rank:
            high = middle
        else:
            low = middle + 1
    return low
