"""iCarol exports as they come from a real 211: CR line endings, Latin-1, empty descriptions,
sites whose agency is not in the file, and more records than one batch holds."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.hsds_places import list_service_at_locations
from importers.hsds_read import Query
from importers.icarol import read_icarol
from importers.records import internal_id
from importers.sql import execute
from tests.importers.conftest import Importer

COLUMNS = (
    "ResourceAgencyNum",
    "PublicName",
    "TaxonomyLevelName",
    "ParentAgencyNum",
    "AgencyDescription",
    "PhysicalAddress1",
    "PhysicalCity",
    "PhysicalStateProvince",
    "PhysicalPostalCode",
    "Latitude",
    "Longitude",
    "WebsiteAddress",
    "EmailAddressMain",
    "TaxonomyCodes",
)
CITY_HALL = (37.7793, -122.4193)  # San Francisco City Hall


def _row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in COLUMNS}


def _export(agencies: int, sites_per_agency: int, orphans: int) -> list[dict[str, str]]:
    """A county export: agencies (every third without a description), their sites near City
    Hall, and sites whose agency the export left out."""
    rows = []
    for a in range(agencies):
        num = str(10_000 + a)
        description = "" if a % 3 == 0 else f"Servicios para la comunidad número {a}"
        rows.append(
            _row(
                ResourceAgencyNum=num,
                PublicName=f"Agencia Café {a}",
                TaxonomyLevelName="Agency",
                ParentAgencyNum="0",
                AgencyDescription=description,
                WebsiteAddress=f"WWW.AGENCY{a}.ORG" if a % 2 else "",
                EmailAddressMain="Please call for information" if a == 1 else "",
                TaxonomyCodes="BD-1800.2000",
            )
        )
        for s in range(sites_per_agency):
            rows.append(_site(f"{num}{s:02d}", num, a * sites_per_agency + s))
    for o in range(orphans):
        rows.append(_site(str(90_000 + o), str(80_000 + o), 1_000 + o))
    return rows


def _site(num: str, agency: str, n: int) -> dict[str, str]:
    return _row(
        ResourceAgencyNum=num,
        PublicName=f"Sitio {n} de la Misión",
        TaxonomyLevelName="Site",
        ParentAgencyNum=agency,
        PhysicalAddress1=f"{n} Market St",
        PhysicalCity="San Francisco",
        PhysicalStateProvince="CA",
        PhysicalPostalCode="94102",
        Latitude=f"{CITY_HALL[0] + (n % 20) * 0.001:.6f}",
        Longitude=f"{CITY_HALL[1] - (n % 20) * 0.001:.6f}",
    )


def _write(path: Path, rows: list[dict[str, str]], *, newline: str, encoding: str) -> Path:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(COLUMNS), lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


async def _count(factory: SessionFactory, sql: str, **params: str) -> int:
    async with factory() as session:
        return int((await execute(session, sa.text(sql).bindparams(**params))).scalar_one())


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["CR", "LF", "CRLF"])
async def test_a_county_export_imports_whole(
    run: Importer, session_factory: SessionFactory, tmp_path: Path, newline: str
) -> None:
    rows = _export(agencies=40, sites_per_agency=3, orphans=6)
    path = _write(tmp_path / "export.csv", rows, newline=newline, encoding="latin-1")

    # Small batches: agencies, sites and their links land in different flushes.
    report = await run(lambda r: read_icarol(path, r), source="211", batch_size=50)

    assert report.committed, report.problems
    assert report.problems == []
    assert "export.csv: read as" in " ".join(report.notes)
    assert report.entity("location").created == 40 * 3 + 6
    assert report.entity("service_at_location").skipped == 0
    assert report.entity("service_at_location").deferred == 0
    # Every site is linked to its agency's general service (orphans to their placeholder's).
    assert report.entity("service_at_location").created == 40 * 3 + 6
    linked = await _count(
        session_factory,
        "SELECT count(DISTINCT location_id) FROM service_at_location",
    )
    assert linked == 40 * 3 + 6
    # Empty descriptions are stored as "", counted in a note, not refused.
    assert report.defaulted["organization.description"] == 14
    # Latin-1 is read as such: no mojibake.
    async with session_factory() as session:
        name = (
            await execute(
                session,
                sa.text("SELECT name FROM organization WHERE id = :i").bindparams(
                    i=internal_id("211", "organization", "10001")
                ),
            )
        ).scalar_one()
    assert name == "Agencia Café 1"


async def test_orphan_sites_are_kept_under_a_placeholder_organization(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    rows = _export(agencies=2, sites_per_agency=1, orphans=3)
    path = _write(tmp_path / "export.csv", rows, newline="\r", encoding="cp1252")
    report = await run(lambda r: read_icarol(path, r), source="211")
    assert report.committed
    orphan_warnings = [w for w in report.warnings if w.field == "ParentAgencyNum"]
    assert [w.row for w in orphan_warnings] == [6, 7, 8]  # after 2 agencies with a site each
    assert "placeholder organization" in orphan_warnings[0].reason
    placeholder = internal_id("211", "organization", "80000")
    async with session_factory() as session:
        org = (
            await execute(
                session,
                sa.text("SELECT name FROM organization WHERE id = :i").bindparams(i=placeholder),
            )
        ).scalar_one()
        assert org == "Sitio 1000 de la Misión"
    site = internal_id("211", "location", "90000")
    general = internal_id("211", "service", "80000:general")
    assert (
        await _count(
            session_factory,
            "SELECT count(*) FROM service_at_location WHERE location_id = :l AND service_id = :s",
            l=site,
            s=general,
        )
        == 1
    )


async def test_a_radius_search_at_city_hall_finds_every_site(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    rows = _export(agencies=10, sites_per_agency=2, orphans=4)
    path = _write(tmp_path / "export.csv", rows, newline="\r", encoding="latin-1")
    assert (await run(lambda r: read_icarol(path, r), source="211", batch_size=20)).committed
    async with session_factory() as session:
        page = await list_service_at_locations(
            session=session,
            query=Query(latitude=CITY_HALL[0], longitude=CITY_HALL[1], radius_km=5, per_page=100),
        )
    assert page["total_items"] == 10 * 2 + 4


async def test_web_addresses_and_emails_are_cleaned(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    rows = _export(agencies=2, sites_per_agency=1, orphans=0)
    path = _write(tmp_path / "export.csv", rows, newline="\r\n", encoding="utf-8")
    report = await run(lambda r: read_icarol(path, r), source="211")
    assert report.committed
    async with session_factory() as session:
        row = (
            await execute(
                session,
                sa.text("SELECT website, email FROM organization WHERE id = :i").bindparams(
                    i=internal_id("211", "organization", "10001")
                ),
            )
        ).one()
    assert tuple(row) == ("https://www.agency1.org", None)
    dropped = [w.reason for w in report.warnings if w.field == "email"]
    assert dropped == ["'Please call for information' is not an email address; left out"] * 2
