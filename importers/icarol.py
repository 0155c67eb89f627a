"""Map a 211 iCarol / AIRS CSV export: one wide row per agency, site, program or program-at-site."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from importers.icarol_index import Index, build_index, inactive, rows
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

LEVELS = ("Agency", "Site", "Program", "ProgramAtSite")
# The AIRS taxonomy is shared by every 211 import, so its id is fixed.
AIRS_TAXONOMY_ID = "0b0a11e5-0000-4000-8000-000000a1a500"
AIRS_NAMESPACE = uuid.UUID("a1a5a1a5-6c2f-4b7e-9d1e-2f11a0c0de00")


def airs_term_id(code: str) -> str:
    """The shared id of an AIRS term."""
    return str(uuid.uuid5(AIRS_NAMESPACE, code))


def read_icarol(path: Path, report: ImportReport) -> Iterator[Record]:
    """Stream HSDS records from an iCarol export: agencies, then sites, programs and links."""
    index = build_index(path, report)
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
        for origin, row in rows(path, report, quiet=True):
            kind = row["TaxonomyLevelName"].strip()
            if kind == level:
                yield from mapper.map(kind, row, origin)
            elif level == "Agency" and kind not in LEVELS:
                report.problem(origin, "TaxonomyLevelName", f"unknown record level {kind!r}")
                report.skip("row", f"unknown level {kind!r}")


class _Mapper:
    def __init__(self, index: Index, report: ImportReport) -> None:
        self.index = index
        self.report = report
        self.terms: set[str] = set()
        self.placeholders: set[str] = set()

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
            yield from self.placeholder(kind, row, origin)
        if kind == "Site":
            yield from self.site(num, row, origin)
        elif kind == "Program":
            yield from self.program(num, row, origin)

    def placeholder(self, kind: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        """An organization standing in for a site's or program's agency missing from the file.

        It takes the agency's number, so a later export that has the agency fills it in; its
        name comes from the first record found under it, and its sites get a general service.
        """
        agency = row["ParentAgencyNum"]
        if agency in ("", "0"):  # no agency named at all: one placeholder per record
            agency = f"orphan:{row['ResourceAgencyNum']}"
        row["ParentAgencyNum"] = agency
        if agency in self.placeholders:
            return
        self.placeholders.add(agency)
        self.report.warn(
            origin,
            "ParentAgencyNum",
            f"agency {agency!r} is not in the file: {kind.lower()} kept under a placeholder"
            " organization named after it",
        )
        name = row["PublicName"].strip() or row.get("OfficialName", "") or f"Agency {agency}"
        description = f"Stands in for agency {agency}, missing from the 211 export."
        yield Record("organization", agency, {"name": name, "description": description}, origin)
        if agency not in self.index.with_programs:
            yield from self.service(f"{agency}:general", agency, row, origin, general=True)

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
        if not self.index.sites_of.get(num) and num in self.index.agency_location:
            yield self.place(service, f"agency:{num}", origin)
        # Its sites are linked as each site is read (after the agencies, so each site exists).

    def locations_of(self, agency: str) -> list[str]:
        sites = self.index.sites_of.get(agency, [])
        if sites:
            return sites
        return [f"agency:{agency}"] if agency in self.index.agency_location else []

    def site(self, num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
        agency = row["ParentAgencyNum"]
        yield from self.location(num, agency, row, origin)
        if agency not in self.index.with_programs:
            yield self.place(f"{agency}:general", num, origin)

    @staticmethod
    def place(service: str, location: str, origin: Origin) -> Record:
        """A service at a location, keyed by both."""
        values = {"service_id": service, "location_id": location}
        return Record("service_at_location", f"{service}@{location}", values, origin)

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
        off = inactive(row) or self.index.agencies.get(agency, False)
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
                "status": "inactive" if off else "active",
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
        if not site or not program:
            column = "ConnectsToSiteNum" if not site else "ConnectsToProgramNum"
            self.report.problem(origin, column, "is required")
            self.report.skip("service_at_location", "site or program missing")
            return
        # A site or program outside this file is a reference like any other: the link is kept
        # aside (a warning) and made when an export that has it is imported.
        values: dict[str, Any] = {"service_id": program, "location_id": site}
        yield Record("service_at_location", num, values, origin)
        yield from schedules(num, row, origin, "service_at_location_id")
