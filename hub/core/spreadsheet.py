"""CSV for people: cells a spreadsheet would run as formulas are neutralized (OWASP's rule)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula (or becomes one once a spreadsheet trims it).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Plain numbers ("-3", "+1.5e3") stay numbers: a spreadsheet cannot run them.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize_cell(value: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would otherwise evaluate."""
    if value.startswith(FORMULA_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_for_people(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """RFC 4180 CSV text with every cell (headers too) neutralized; for reports and downloads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize_cell(c) for c in columns])
    writer.writerows([neutralize_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
