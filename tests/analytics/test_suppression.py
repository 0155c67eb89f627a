"""Small-cell suppression rules, case by case and over many generated tables."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping
from typing import Any

import pytest

from referrals.analytics.flows import flow_lines
from referrals.analytics.suppression import THRESHOLD, Cell, Line, primary, rate, suppress


def hidden(cells: Mapping[Any, Cell]) -> set[Any]:
    return {k for k, c in cells.items() if c.suppressed}


@pytest.mark.parametrize("value", range(0, 30))
def test_every_count_under_eleven_is_hidden_and_the_rest_shown(value: int) -> None:
    cell = suppress({"x": value})["x"]
    if value < THRESHOLD:
        assert cell == Cell(None, True)
    else:
        assert cell == Cell(value, False)


def test_primary_names_exactly_the_small_cells() -> None:
    assert primary({"a": 10, "b": 11, "c": 0, "d": 400}) == {"a", "c"}


def test_a_lone_small_part_takes_the_next_smallest_with_it() -> None:
    values = {"t": 100, "a": 5, "b": 40, "c": 55}
    cells = suppress(values, [Line("t", ("a", "b", "c"), exact=True)])
    assert hidden(cells) == {"a", "b"}
    assert cells["t"] == Cell(100, False)
    assert cells["c"] == Cell(55, False)


def test_hidden_parts_must_add_up_to_eleven_or_more() -> None:
    values = {"t": 40, "a": 3, "b": 4, "c": 13, "d": 20}
    cells = suppress(values, [Line("t", ("a", "b", "c", "d"), exact=True)])
    # 3 + 4 = 7 could still be bounded too tightly: the next smallest (13) goes as well.
    assert hidden(cells) == {"a", "b", "c"}


def test_two_small_parts_adding_up_to_eleven_are_enough() -> None:
    values = {"t": 50, "a": 5, "b": 6, "c": 39}
    cells = suppress(values, [Line("t", ("a", "b", "c"), exact=True)])
    assert hidden(cells) == {"a", "b"}


def test_the_total_goes_when_no_part_is_left() -> None:
    values = {"t": 12, "a": 2}
    cells = suppress(values, [Line("t", ("a",), exact=False)])
    # The unpublished rest (10) and the hidden part (2) add up to 12 >= 11: the total may stay.
    assert hidden(cells) == {"a"}
    values = {"t": 9, "a": 2}
    assert hidden(suppress(values, [Line("t", ("a",))])) == {"t", "a"}


def test_nested_counts_hide_a_small_difference() -> None:
    # sent 50, viewed 45: "not viewed" = 5 is found by subtraction, so viewed is hidden.
    assert hidden(suppress({"sent": 50, "viewed": 45}, [Line("sent", ("viewed",))])) == {"viewed"}
    # sent 50, viewed 30: the difference, 20, is not small.
    assert hidden(suppress({"sent": 50, "viewed": 30}, [Line("sent", ("viewed",))])) == set()
    # sent 50, viewed 50: a difference of zero is a count under 11 too.
    assert hidden(suppress({"sent": 50, "viewed": 50}, [Line("sent", ("viewed",))])) == {"viewed"}


def test_an_exact_total_hidden_elsewhere_cannot_be_rebuilt_from_its_parts() -> None:
    # Row r2's total is hidden by the column line; its own parts would add up to it.
    values = {
        "T": 70,
        "r1": 5,
        "r2": 40,
        "r3": 25,
        "r2a": 20,
        "r2b": 20,
    }
    lines = [Line("T", ("r1", "r2", "r3"), exact=True), Line("r2", ("r2a", "r2b"), exact=True)]
    cells = suppress(values, lines)
    assert {"r1", "r3"} <= hidden(cells)
    assert "r2" not in hidden(cells) or {"r2a", "r2b"} & hidden(cells)


def test_lines_must_refer_to_known_cells_that_add_up() -> None:
    with pytest.raises(KeyError):
        suppress({"t": 20}, [Line("t", ("missing",))])
    with pytest.raises(ValueError, match="add up"):
        suppress({"t": 20, "a": 30}, [Line("t", ("a",))])
    with pytest.raises(ValueError, match="add up"):
        suppress({"t": 20, "a": 12}, [Line("t", ("a",), exact=True)])
    with pytest.raises(ValueError, match="twice"):
        suppress({"t": 24, "a": 12}, [Line("t", ("a", "a"))])


def test_a_rate_is_published_only_with_both_counts() -> None:
    assert rate(Cell(20, False), Cell(40, False)) == 0.5
    assert rate(Cell(None, True), Cell(40, False)) is None
    assert rate(Cell(20, False), Cell(None, True)) is None
    assert rate(Cell(0, False), Cell(0, False)) is None


def _line_is_safe(line: Line, values: dict[Hashable, int], gone: set[Hashable]) -> bool:
    rest = values[line.total] - sum(values[p] for p in line.parts)
    hidden_parts = [p for p in line.parts if p in gone]
    unknowns = len(hidden_parts) + (not line.exact) + (line.total in gone)
    if unknowns == 0:
        return True
    if unknowns == 1:
        return not hidden_parts and line.total not in gone and rest >= THRESHOLD
    if line.total in gone:
        return True
    return rest + sum(values[p] for p in hidden_parts) >= THRESHOLD


@pytest.mark.parametrize("seed", range(300))
def test_generated_flow_tables_leave_no_small_count_derivable(seed: int) -> None:
    rng = random.Random(seed)
    senders = [f"s{i}" for i in range(rng.randint(1, 6))]
    receivers = [f"r{i}" for i in range(rng.randint(1, 6))]
    pairs = [(s, r) for s in senders for r in receivers if rng.random() < 0.7]
    if not pairs:
        return
    values: dict[Hashable, int] = {
        ("cell", s, r): rng.choice([rng.randint(1, 10), rng.randint(11, 80)]) for s, r in pairs
    }
    for s, r in pairs:
        values[("sent", s)] = values.get(("sent", s), 0) + values[("cell", s, r)]
        values[("received", r)] = values.get(("received", r), 0) + values[("cell", s, r)]
    values[("total",)] = sum(values[("cell", s, r)] for s, r in pairs)
    lines = flow_lines(pairs)
    cells = suppress(values, lines)
    gone = hidden(cells)
    for key, cell in cells.items():
        assert cell.suppressed or (cell.value == values[key] and cell.value >= THRESHOLD)
    for line in lines:
        assert _line_is_safe(line, values, gone), (seed, line)
    # Suppression is deterministic.
    assert suppress(values, lines) == cells
