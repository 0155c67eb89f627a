"""211 iCarol export: agencies, sites, programs and links mapped to HSDS as the layout says."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.crosswalk import MAPPINGS_DIR, Crosswalk
from importers.icarol import read_icarol
from importers.normalize import normalize_phone, parse_hours
from importers.records import internal_id
from importers.sql import execute
from providers.models import Address, Location, Phone, Schedule, Service
from tests.importers.conftest import ICAROL_SAMPLE, Importer


def _crosswalk() -> Crosswalk:
    return Crosswalk.from_file(MAPPINGS_DIR / "airs_to_needs.yaml")


def _id(entity: str, ext: str) -> str:
    return internal_id("211", entity, ext)


async def _import(run: Importer, path: Path = ICAROL_SAMPLE) -> None:
    report = await run(lambda r: read_icarol(path, r), source="211", crosswalk=_crosswalk())
    assert report.committed, report.problems


async def _scalars(factory: SessionFactory, statement: sa.Select[tuple[str]]) -> list[str]:
    async with factory() as session:
        return list((await execute(session, statement)).scalars())


async def test_sample_maps_every_level(run: Importer, session_factory: SessionFactory) -> None:
    await _import(run)
    async with session_factory() as session:
        program = await session.get(Service, _id("service", "70003"))
        assert program is not None
        assert program.status == "active"
        assert program.last_verified_at is not None
        assert program.last_verified_at.date().isoformat() == "2024-08-09"
        # ProgramAtSite 70004 links program 70003 to site 70002 with its own hours.
        sal = _id("service_at_location", "70004")
        hours = (
            (
                await execute(
                    session,
                    sa.select(Schedule.__table__).where(
                        Schedule.__table__.c.service_at_location_id == sal
                    ),
                )
            )
            .mappings()
            .all()
        )
        assert [
            (h["byday"], h["opens_at"].isoformat(), h["closes_at"].isoformat()) for h in hours
        ] == [("WE", "15:00:00", "19:00:00")]


async def test_programs_without_program_at_site_use_agency_places(
    run: Importer, session_factory: SessionFactory
) -> None:
    await _import(run)
    t = sa.text("SELECT location_id FROM service_at_location WHERE service_id = :s")
    async with session_factory() as session:
        conn = await session.connection()
        laney = (await conn.execute(t, {"s": _id("service", "70021")})).scalars().all()
        assert laney == [_id("location", "agency:70020")]


async def test_agencies_without_programs_get_a_general_service_at_each_site(
    run: Importer, session_factory: SessionFactory
) -> None:
    await _import(run)
    async with session_factory() as session:
        general = await session.get(Service, _id("service", "70041:general"))
        assert general is not None
        assert general.name == "Eden Legal Aid"
        assert general.description is not None
        assert "record clearance" in general.description
        conn = await session.connection()
        sites = (
            (
                await conn.execute(
                    sa.text("SELECT location_id FROM service_at_location WHERE service_id = :s"),
                    {"s": general.id},
                )
            )
            .scalars()
            .all()
        )
        assert sites == [_id("location", "70040")]
        needs = (
            (
                await conn.execute(
                    sa.text(
                        "SELECT t.code FROM attribute a "
                        "JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
                        "WHERE a.link_id = :s ORDER BY t.code"
                    ),
                    {"s": general.id},
                )
            )
            .scalars()
            .all()
        )
        assert needs == ["FT-1800.1500", "FT-1800.8500", "legal.expungement", "legal.tenant"]


async def test_inactive_agency_services_are_inactive(
    run: Importer, session_factory: SessionFactory
) -> None:
    await _import(run)
    async with session_factory() as session:
        pantry = await session.get(Service, _id("service", "70030:general"))
        assert pantry is not None
        assert pantry.status == "inactive"


async def test_private_addresses_are_kept_and_flagged(
    run: Importer, session_factory: SessionFactory
) -> None:
    await _import(run)
    async with session_factory() as session:
        location = await session.get(Location, _id("location", "agency:70010"))
        assert location is not None
        assert location.is_private
        address = await session.get(Address, _id("address", "agency:70010:physical"))
        assert address is not None
        assert address.is_private
        assert address.address_1 == "1 Confidential Way"


async def test_phones_are_normalized(run: Importer, session_factory: SessionFactory) -> None:
    await _import(run)
    numbers = await _scalars(session_factory, sa.select(Phone.__table__.c.number))
    assert "+1 510-555-0199" in numbers
    assert "+1 510-555-0170" in numbers
    assert all(n.startswith("+1 ") for n in numbers)


async def test_reimport_is_idempotent(run: Importer) -> None:
    await _import(run)
    again = await run(lambda r: read_icarol(ICAROL_SAMPLE, r), source="211", crosswalk=_crosswalk())
    assert again.committed
    assert again.changed == 0


async def test_extra_columns_and_row_order_do_not_matter(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    with ICAROL_SAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    shuffled = tmp_path / "export.csv"
    with shuffled.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "SomethingNew"])
        writer.writerows([*reversed([[*r, "x"] for r in body])])
    await _import(run, shuffled)
    names = await _scalars(session_factory, sa.select(Service.__table__.c.name))
    assert len(names) == 5


async def test_program_at_site_naming_a_site_outside_the_file_waits_for_it(
    run: Importer, tmp_path: Path
) -> None:
    text = ICAROL_SAMPLE.read_text(encoding="utf-8").replace(",70002,70003,", ",79999,70003,")
    broken = tmp_path / "broken.csv"
    broken.write_text(text, encoding="utf-8")
    report = await run(lambda r: read_icarol(broken, r), source="211")
    assert report.committed
    assert report.problems == []
    assert report.entity("service_at_location").deferred == 1
    assert [(w.row, w.field) for w in report.warnings if "kept aside" in w.reason] == [
        (5, "location_id")
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("510-555-0199", "+1 510-555-0199"),
        ("(510) 555-0199", "+1 510-555-0199"),
        ("510.555.0170", "+1 510-555-0170"),
        ("415 243 9301", "+1 415-243-9301"),
        ("NA", None),
    ],
)
def test_phone_formats(raw: str, expected: str | None) -> None:
    clean = normalize_phone(raw)
    assert (clean.number if clean else None) == expected


def test_hours_formats() -> None:
    week = parse_hours("Monday-Friday, 9-5")
    assert week is not None
    assert week[0].byday == ("MO", "TU", "WE", "TH", "FR")
    assert (week[0].opens_at.hour, week[0].closes_at.hour) == (9, 17)
    days = parse_hours("Mon 9:00am - 5:00pm; Fri 9:00am - 1:00pm")
    assert days is not None
    assert [(d.byday, d.closes_at.hour) for d in days] == [
        (("MO",), 17),
        (("FR",), 13),
    ]
    assert parse_hours("By appointment only") is None


async def test_unparsed_hours_stay_text_and_sites_are_geocoded(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    from providers.geocoding.adapter import OfflineGeocoder

    text = ICAROL_SAMPLE.read_text(encoding="utf-8").replace(
        "Tue 10:00am - 2:00pm; Thu 10:00am - 2:00pm", "By appointment; call first"
    )
    changed = tmp_path / "export.csv"
    changed.write_text(text, encoding="utf-8")
    report = await run(lambda r: read_icarol(changed, r), source="211", geocoder=OfflineGeocoder())
    assert report.committed
    assert report.geocoded == 4
    async with session_factory() as session:
        hours = await session.get(Schedule, _id("schedule", "70040:Hours"))
        assert hours is not None
        assert hours.description == "By appointment; call first"
        assert hours.byday is None
        # The Eden site had no coordinates in the export: placed at its ZIP (94541).
        site = await session.get(Location, _id("location", "70040"))
        assert site is not None
        assert site.latitude is not None
        assert abs(site.latitude - 37.67) < 0.1
        assert site.geocode_precision != "provided"
