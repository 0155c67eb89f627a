"""HSDS 1.x / 2.0 files found in a package (as the hsds-transformer writes them): read or noted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from importers.records import Record
from importers.report import ImportReport, Origin
from importers.textio import csv_rows

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = {day[:2].upper(): day for day in _WEEKDAYS}
# Files of older HSDS versions with no HSDS 3.0 table, and why they are left out.
NOT_IMPORTED = {
    "holiday_schedules.csv": "closures have no HSDS 3.0 table",
    "eligibility.csv": "HSDS 3.0 keeps eligibility as text on the service",
    "payment_accepted.csv": "HSDS 3.0 has no accepted-payments table",
    "service_taxonomy.csv": "HSDS 3.0 links terms through attributes.csv",
    "meta_table_descriptions.csv": "descriptions of tables, not directory data",
}


def _weekday(value: str) -> str | None:
    """1..7 (HSDS 2.0, Monday first) or a day name (1.x) as an RRULE BYDAY code."""
    text = value.strip()
    if text.isdigit() and 1 <= int(text) <= 7:
        return _WEEKDAYS[int(text) - 1]
    return _DAY_NAMES.get(text[:2].upper())


def _schedule(row: dict[str, str], origin: Origin, report: ImportReport) -> Record | None:
    day = _weekday(row.get("weekday", ""))
    if day is None:
        report.problem(origin, "weekday", f"{row.get('weekday', '')!r} is not a day of the week")
        report.skip("schedule", "unknown weekday")
        return None
    values: dict[str, Any] = {
        key: row[key]
        for key in ("service_id", "location_id", "service_at_location_id", "description")
        if row.get(key)
    }
    values.update(
        freq="WEEKLY", wkst="MO", byday=day, opens_at=row.get("opens_at"),
        closes_at=row.get("closes_at"),
    )  # fmt: skip
    return Record("schedule", row["id"].strip(), values, origin)


def _address(kind: str) -> Callable[[dict[str, str], Origin, ImportReport], Record | None]:
    def read(row: dict[str, str], origin: Origin, _report: ImportReport) -> Record | None:
        values = {k: v for k, v in row.items() if k != "id" and k != "address_type"}
        return Record("address", row["id"].strip(), {**values, "address_type": kind}, origin)

    return read


# File -> how each row becomes an HSDS 3.0 record.
READERS: dict[str, Callable[[dict[str, str], Origin, ImportReport], Record | None]] = {
    "regular_schedules.csv": _schedule,
    "physical_addresses.csv": _address("physical"),
    "postal_addresses.csv": _address("postal"),
}


def read_legacy(directory: Path, known: set[Path], report: ImportReport) -> Iterator[Record]:
    """Records of the older files this package has; every other unknown CSV is noted."""
    for path in sorted(directory.glob("*.csv")):
        if path in known or path.name == "metadata.csv":
            continue
        reader = READERS.get(path.name)
        if reader is None:
            why = NOT_IMPORTED.get(path.name, "not an HSDS 3.0 file")
            report.notes.append(f"{path.name} is not imported: {why}")
            continue
        report.notes.append(f"{path.name} (HSDS 1.x/2.0) read as HSDS 3.0")
        for origin, row in csv_rows(path, report, required=("id",)):
            record = reader(row, origin, report)
            if record is not None:
                yield record
