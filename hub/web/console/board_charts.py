"""Server-rendered SVG bar charts for the board pages (no JavaScript, readable in greyscale).

A chart is a list of bars; the template draws them. A suppressed count is drawn as a short
hatched stub labelled "fewer than 11", a true zero as no bar labelled "none", so the two never
look alike (in colour or in greyscale), and the table beside each chart says the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from referrals.analytics.suppression import THRESHOLD, Cell

ROW_HEIGHT = 28
LABEL_WIDTH = 150
BAR_AREA = 150
# Room right of the longest bar for its number.
WIDTH = LABEL_WIDTH + BAR_AREA + 50


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, the number shown, and its geometry in the chart's units."""

    label: str
    value: int | None
    suppressed: bool
    y: int
    width: int

    @property
    def zero(self) -> bool:
        """A published zero (drawn as no bar at all)."""
        return not self.suppressed and not self.value


@dataclass(frozen=True, slots=True)
class Chart:
    """A horizontal bar chart."""

    bars: tuple[Bar, ...]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(items: Sequence[tuple[str, Cell | int | None]]) -> Chart:
    """A chart of labelled counts (Cells keep their suppression; ints are published as is)."""
    cells = [(label, v if isinstance(v, Cell) else Cell(v, v is None)) for label, v in items]
    top = max((c.value or 0 for _, c in cells if not c.suppressed), default=0)
    # A hidden count is under the threshold: its stub never claims more than that.
    scale = max(top, THRESHOLD)
    bars = []
    for i, (label, c) in enumerate(cells):
        if c.suppressed:
            width = max(6, round(BAR_AREA * (THRESHOLD / 2) / scale))
        else:
            width = round(BAR_AREA * (c.value or 0) / scale)
        bars.append(Bar(_short(label), c.value, c.suppressed, i * ROW_HEIGHT, width))
    return Chart(tuple(bars), height=max(ROW_HEIGHT, len(bars) * ROW_HEIGHT))
