"""Map a 211 iCarol / AIRS CSV export: one wide row per agency, site, program or program-at-site."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importers.icarol_parts import (
    accessibility,
    addresses,
    attributes,
    contacts,
    coverage_areas,
    languages,
    phones,
    schedules,
)
from importers.normalize import parse_us_date, split_list, yes
from importers.records import Record
from importers.report import ImportReport, Origin
from importers.textio import csv_rows

REQUIRED_COLUMNS = ("ResourceAgencyNum", "PublicName", "TaxonomyLevelName", "ParentAgencyNum")
LEVELS = ("Agency", "Site", "Program", "ProgramAtSite")
# The AIRS taxonomy is shared by every 211 import, so its id is fixed.
AIRS_TAXONOMY_ID = "0b0a11e5-0000-4000-8000-000000a1a500"
AIRS_NAMESPACE = uuid.UUID("a1a5a1a5-6c2f-4b7e-9d1e-2f11a0c0de00")


def airs_term_id(code: str) -> str:
    """The shared id of an AIRS term."""
    return str(uuid.uuid5(AIRS_NAMESPACE, code))


@dataclass
class _Index:
    """What the first pass learns: small id sets the mapping needs to link rows."""

    agencies: dict[str, bool] = field(default_factory=dict)  # id -> inactive
    sites: dict[str, str] = field(default_factory=dict)  # site -> agency
    programs: dict[str, str] = field(default_factory=dict)  # program -> agency
    sites_of: dict[str, list[str]] = field(default_factory=dict)
    with_programs: set[str] = field(default_factory=set)
    with_program_at_site: set[str] = field(default_factory=set)
    agency_location: set[str] = field(default_factory=set)


def _inactive(row: dict[str, str]) -> bool:
    return (
        (row.get("AgencyStatus") or "").strip().lower() == "inactive"
        or yes(row.get("ExcludeFromWebsite"))
        or yes(row.get("ExcludeFromDirectory"))
    )


def _rows(path: Path, report: ImportReport) -> Iterator[tuple[Origin, dict[str, str]]]:
    for origin, row in csv_rows(path, report, required=REQUIRED_COLUMNS):
        row["ResourceAgencyNum"] = row["ResourceAgencyNum"].strip()
        row["ParentAgencyNum"] = row["ParentAgencyNum"].strip()
        yield origin, row


def _index(path: Path, report: ImportReport) -> _Index:
    index = _Index()
    for _origin, row in _rows(path, report):
        num, level = row["ResourceAgencyNum"], row["TaxonomyLevelName"].strip()
        if level == "Agency":
            index.agencies[num] = _inactive(row)
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


def read_icarol(path: Path, report: ImportReport) -> Iterator[Record]:
    """Stream HSDS records from an iCarol export: agencies, then sites, programs and links."""
    index = _index(path, report)
    if report.aborted:
        return
    yield Record(
        "taxonomy",
        AIRS_TAXONOMY_ID,
        {
            "name": "AIRS",
            "description": "AIRS/211 LA County Taxonomy of Human Services codes from 211 exports.",
            "uri": "https://211taxonomy.org/",
        },
        Origin(path.name, 0),
    )
    mapper = _Mapper(index, report)
    for level in LEVELS:
        for origin, row in _rows(path, report):
            kind = row["TaxonomyLevelName"].strip()
            if kind == level:
                yield from mapper.map(kind, row, origin)
            elif level == "Agency" and kind not in LEVELS:
                report.problem(origin, "TaxonomyLevelName", f"unknown record level {kind!r}")
                report.skip("row", f"unknown level {kind!r}")


class _Mapper:
    def __init__(self, index: _Index, report: ImportReport) -> None:
        self.index = index
        self.report = report
        self.terms: set[str] = set()

    def map(self, kind: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        num = row["ResourceAgencyNum"]
        if not num:
            self.report.problem(origin, "ResourceAgencyNum", "is required")
            return
        if kind == "Agency":
            yield from self.agency(num, row, origin)
        elif kind == "ProgramAtSite":
            yield from self.program_at_site(num, row, origin)
        elif row["ParentAgencyNum"] not in self.index.agencies:
            self.report.problem(
                origin, "ParentAgencyNum", f"agency {row['ParentAgencyNum']!r} is not in the file"
            )
            self.report.skip(kind.lower(), "parent agency missing")
        elif kind == "Site":
            yield from self.site(num, row, origin)
        else:
            yield from self.program(num, row, origin)

    def agency(self, num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        yield Record(
            "organization",
            num,
            {
                "name": row["PublicName"].strip() or row.get("OfficialName", ""),
                "alternate_name": "; ".join(split_list(row.get("AlternateName"))) or None,
                "description": row.get("AgencyDescription") or "",
                "email": row.get("EmailAddressMain") or None,
                "website": row.get("WebsiteAddress") or None,
                "tax_status": row.get("IRSStatus") or None,
                "tax_id": row.get("FEIN") or None,
                "year_incorporated": row.get("YearIncorporated") or None,
                "legal_status": row.get("LegalStatus") or None,
            },
            origin,
        )
        if row.get("SourceOfFunds"):
            yield Record(
                "funding",
                f"{num}:funding",
                {
                    "organization_id": num,
                    "source": "; ".join(split_list(row["SourceOfFunds"])),
                },
                origin,
            )
        yield from phones(num, row, origin, "organization_id", num)
        yield from contacts(num, row, origin, self.report)
        if num in self.index.agency_location and not self.index.sites_of.get(num):
            # An agency without Site rows is served at its own address.
            yield from self.location(f"agency:{num}", num, row, origin)
        if num in self.index.with_programs:
            yield from self.taxonomy(num, "organization", row, origin)
            return
        # Agencies with no Program rows still get a findable service from their own data.
        service = f"{num}:general"
        yield from self.service(service, num, row, origin, general=True)
        for location in self.locations_of(num):
            yield Record(
                "service_at_location",
                f"{service}@{location}",
                {
                    "service_id": service,
                    "location_id": location,
                },
                origin,
            )

    def locations_of(self, agency: str) -> list[str]:
        sites = self.index.sites_of.get(agency, [])
        if sites:
            return sites
        return [f"agency:{agency}"] if agency in self.index.agency_location else []

    def site(self, num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        yield from self.location(num, row["ParentAgencyNum"], row, origin)

    def location(
        self, num: str, agency: str, row: dict[str, str], origin: Origin
    ) -> Iterator[Record]:
        private = yes(row.get("PhysicalAddressIsPrivate"))
        has_physical = bool((row.get("PhysicalAddress1") or "").strip())
        yield Record(
            "location",
            num,
            {
                "organization_id": agency,
                "name": row["PublicName"].strip(),
                "location_type": "physical" if has_physical else "postal",
                "description": row.get("PhysicalLocationDescription") or None,
                "transportation": "; ".join(
                    v
                    for v in (row.get("BusServiceAccess"), row.get("PublicAccessTransportation"))
                    if v
                )
                or None,
                "latitude": row.get("Latitude"),
                "longitude": row.get("Longitude"),
                "external_identifier": row["ResourceAgencyNum"],
                "external_identifier_type": "iCarol ResourceAgencyNum",
                "is_private": private,
            },
            origin,
        )
        yield from addresses(num, row, origin)
        yield from phones(num, row, origin, "location_id", num)
        yield from schedules(num, row, origin, "location_id")
        yield from languages(num, row, origin, "location_id")
        yield from accessibility(num, row, origin)

    def service(
        self, num: str, agency: str, row: dict[str, str], origin: Origin, *, general: bool = False
    ) -> Iterator[Record]:
        inactive = _inactive(row) or self.index.agencies.get(agency, False)
        verified = parse_us_date(row.get("LastVerifiedOn"))
        fees = row.get("FeeStructureSource") or None
        yield Record(
            "service",
            num,
            {
                "organization_id": agency,
                "name": row["PublicName"].strip(),
                "description": row.get("AgencyDescription") or None,
                "email": row.get("EmailAddressMain") or None,
                "url": row.get("WebsiteAddress") or None,
                "status": "inactive" if inactive else "active",
                "application_process": row.get("ApplicationProcess") or None,
                "fees_description": fees,
                "wait_time": row.get("NormalWaitTime") or None,
                "accreditations": row.get("LicenseAccreditation") or None,
                "eligibility_description": row.get("Eligibility") or None,
                "alert": row.get("TemporaryMessage") or None,
                "last_modified": parse_us_date(row.get("UpdatedOn")),
                "last_verified_at": verified,
                "last_verified_by": row.get("LastVerifiedByName") or None,
            },
            origin,
        )
        if fees and fees.strip().lower() in {"free", "none", "no fee", "no fees", "$0"}:
            yield Record(
                "cost_option",
                f"{num}:cost",
                {
                    "service_id": num,
                    "option": "Free",
                    "amount": 0,
                    "currency": "USD",
                },
                origin,
            )
        if not general:
            yield from phones(num, row, origin, "service_id", num)
        yield from schedules(num, row, origin, "service_id")
        yield from languages(num, row, origin, "service_id")
        yield from coverage_areas(num, row, origin)
        for i, document in enumerate(split_list(row.get("DocumentsRequired")), start=1):
            yield Record(
                "required_document",
                f"{num}:doc:{i}",
                {
                    "service_id": num,
                    "document": document,
                },
                origin,
            )
        yield from self.taxonomy(num, "service", row, origin)

    def taxonomy(
        self, num: str, entity: str, row: dict[str, str], origin: Origin
    ) -> Iterator[Record]:
        for code, name in attributes(row):
            term_id = airs_term_id(code)
            if code not in self.terms:
                self.terms.add(code)
                yield Record(
                    "taxonomy_term",
                    term_id,
                    {
                        "code": code,
                        "name": name or code,
                        "taxonomy": "AIRS",
                        "taxonomy_id": AIRS_TAXONOMY_ID,
                    },
                    origin,
                )
            yield Record(
                "attribute",
                f"{num}:{entity}:{code}",
                {
                    "link_id": num,
                    "link_entity": entity,
                    "link_type": "airs",
                    "taxonomy_term_id": term_id,
                },
                origin,
            )

    def program(self, num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        agency = row["ParentAgencyNum"]
        yield from self.service(num, agency, row, origin)
        if num in self.index.with_program_at_site:
            return
        # No ProgramAtSite rows: offered at each of the agency's sites, or only by area.
        for location in self.locations_of(agency):
            yield Record(
                "service_at_location",
                f"{num}@{location}",
                {
                    "service_id": num,
                    "location_id": location,
                },
                origin,
            )

    def program_at_site(self, num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        site = (row.get("ConnectsToSiteNum") or "").strip()
        program = (row.get("ConnectsToProgramNum") or "").strip()
        ok = True
        if site not in self.index.sites:
            self.report.problem(origin, "ConnectsToSiteNum", f"site {site!r} is not in the file")
            ok = False
        if program not in self.index.programs:
            self.report.problem(
                origin, "ConnectsToProgramNum", f"program {program!r} is not in the file"
            )
            ok = False
        if not ok:
            self.report.skip("service_at_location", "site or program missing")
            return
        values: dict[str, Any] = {"service_id": program, "location_id": site}
        yield Record("service_at_location", num, values, origin)
        yield from schedules(num, row, origin, "service_at_location_id")
