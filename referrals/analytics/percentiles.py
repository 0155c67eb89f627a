"""Percentiles by the nearest-rank definition, in SQL (window functions) and in plain Python.

Definition: of n values sorted ascending, the p-th percentile is the value at rank ceil(p * n)
(1-based). The median is therefore the lower middle value when n is even; p90 of 10 values is
the 9th. Ranks are integer arithmetic, identical on SQLite and PostgreSQL:
median rank = (n + 1) / 2, p90 rank = (9n + 9) / 10 (integer division).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

MEDIAN = (1, 2)
P90 = (9, 10)


def nearest_rank(values: Sequence[int], fraction: tuple[int, int]) -> int | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    num, den = fraction
    rank = math.ceil(len(values) * num / den)
    return sorted(values)[max(rank, 1) - 1]


def rank_expr(n: ColumnElement[int], fraction: tuple[int, int]) -> ColumnElement[int]:
    """SQL for ceil(n * num / den) in integers."""
    num, den = fraction
    return (n * num + (den - 1)) // den


def percentile_select(
    source: sa.Select[Any],
    values: Sequence[ColumnElement[int]],
    groups: Sequence[ColumnElement[Any]],
) -> sa.Select[Any]:
    """Median, p90 and n of each value, per group and over all rows, in one pass.

    Rows: (*groups, then for each value: median, p90, n, then for each value: the same over
    all rows of `source`; the all-rows figures stand in exactly one row, NULL elsewhere).
    `source` must carry its FROM and WHERE. NULL values are ranked last and not counted.
    """
    partition = list(groups) or None
    columns: list[Any] = [g.label(f"g{i}") for i, g in enumerate(groups)]
    for j, value in enumerate(values):
        order: list[ColumnElement[Any]] = [value.is_(None), value]
        columns += [
            value.label(f"v{j}"),
            sa.func.row_number().over(partition_by=partition, order_by=order).label(f"rn{j}"),
            sa.func.count(value).over(partition_by=partition).label(f"n{j}"),
            sa.func.row_number().over(order_by=order).label(f"trn{j}"),
            sa.func.count(value).over().label(f"tn{j}"),
        ]
    ranked = source.with_only_columns(*columns).subquery("ranked")
    c = ranked.c
    keys = [c[f"g{i}"] for i in range(len(groups))]
    out: list[Any] = list(keys)
    for prefix in ("", "t"):
        for j in range(len(values)):
            rn, n, v = c[f"{prefix}rn{j}"], c[f"{prefix}n{j}"], c[f"v{j}"]
            out += [
                sa.func.max(sa.case((rn == rank_expr(n, MEDIAN), v))),
                sa.func.max(sa.case((rn == rank_expr(n, P90), v))),
                sa.func.max(n),
            ]
    return sa.select(*out).group_by(*keys)
