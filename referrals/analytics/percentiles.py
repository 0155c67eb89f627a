"""Percentiles by the nearest-rank definition, in plain Python and over numpy arrays.

Definition: of n values sorted ascending, the p-th percentile is the value at rank ceil(p * n)
(1-based). The median is therefore the lower middle value when n is even; p90 of 10 values is
the 9th. Ranks are integer arithmetic: median rank = (n + 1) / 2, p90 rank = (9n + 9) / 10
(integer division).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

MEDIAN = (1, 2)
P90 = (9, 10)

Values = NDArray[np.int64]


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


def nearest_ranks(chunks: Sequence[Values]) -> tuple[int, int | None, int | None]:
    """(n, median, p90) of the values of several arrays taken together, in any order.

    np.partition places exactly the values of the two ranks where a full sort would put them
    (linear time, no sort), so the result is the exact nearest rank.
    """
    values = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    n = int(values.size)
    if n == 0:
        return 0, None, None
    median, p90 = rank_of(n, MEDIAN) - 1, rank_of(n, P90) - 1
    placed = np.partition(values, sorted({median, p90}))
    return n, int(placed[median]), int(placed[p90])
