"""The first pass over an iCarol export: which agencies, sites and programs it has, and links."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from importers.normalize import yes
from importers.report import ImportReport, Origin
from importers.textio import csv_rows

REQUIRED_COLUMNS = ("ResourceAgencyNum", "PublicName", "TaxonomyLevelName", "ParentAgencyNum")


@dataclass
class Index:
    """What the first pass learns: small id sets the mapping needs to link rows."""

    agencies: dict[str, bool] = field(default_factory=dict)  # id -> inactive
    sites: dict[str, str] = field(default_factory=dict)  # site -> agency
    programs: dict[str, str] = field(default_factory=dict)  # program -> agency
    sites_of: dict[str, list[str]] = field(default_factory=dict)
    with_programs: set[str] = field(default_factory=set)
    with_program_at_site: set[str] = field(default_factory=set)
    agency_location: set[str] = field(default_factory=set)


def inactive(row: dict[str, str]) -> bool:
    """An inactive or excluded record (its services become inactive)."""
    return (
        (row.get("AgencyStatus") or "").strip().lower() == "inactive"
        or yes(row.get("ExcludeFromWebsite"))
        or yes(row.get("ExcludeFromDirectory"))
    )


def rows(
    path: Path, report: ImportReport, *, quiet: bool = False
) -> Iterator[tuple[Origin, dict[str, str]]]:
    """The export's rows with their ids trimmed (`quiet`: row problems already reported)."""
    for origin, row in csv_rows(path, report, required=REQUIRED_COLUMNS, quiet=quiet):
        row["ResourceAgencyNum"] = row["ResourceAgencyNum"].strip()
        row["ParentAgencyNum"] = row["ParentAgencyNum"].strip()
        yield origin, row


def build_index(path: Path, report: ImportReport) -> Index:
    """Read the export once for its ids and links (this pass reports the rows' problems)."""
    index = Index()
    for _origin, row in rows(path, report):
        num, level = row["ResourceAgencyNum"], row["TaxonomyLevelName"].strip()
        if level == "Agency":
            index.agencies[num] = inactive(row)
            if (row.get("PhysicalAddress1") or "").strip():
                index.agency_location.add(num)
        elif level == "Site":
            index.sites[num] = row["ParentAgencyNum"]
        elif level == "Program":
            index.programs[num] = row["ParentAgencyNum"]
            index.with_programs.add(row["ParentAgencyNum"])
        elif level == "ProgramAtSite":
            index.with_program_at_site.add((row.get("ConnectsToProgramNum") or "").strip())
    for site, agency in index.sites.items():
        index.sites_of.setdefault(agency, []).append(site)
    return index
