"""Values as real exports write them: empty required fields, bad bytes, sloppy web addresses,
duplicates. Each is a located row (problem or warning), never a database error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.hsds_reader import read_json, read_package
from importers.records import internal_id
from importers.sql import execute
from importers.weblinks import UnusableValue, normalize_email, normalize_uri
from tests.importers.conftest import Importer

ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


def _package(tmp: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    root = tmp / "pkg"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / name).write_bytes(text.encode(encoding))
    return root


async def _one(factory: SessionFactory, sql: str, **params: str) -> dict[str, object]:
    async with factory() as session:
        result = await execute(session, sa.text(sql).bindparams(**params))
        return dict(result.mappings().one())


async def test_empty_status_and_description_get_documented_defaults(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    package = _package(
        tmp_path,
        {
            "organizations.csv": f"id,name,description\n{ORG},Helping Hands,\n",
            "services.csv": f"id,organization_id,name,status\ns-1,{ORG},Food pantry,\n",
        },
    )
    report = await run(lambda r: read_package(package, r))  # strict
    assert report.committed, report.problems
    assert [(w.file, w.row, w.field) for w in report.warnings] == [("services.csv", 2, "status")]
    assert report.defaulted == {"organization.description": 1, "service.status": 1}
    org = await _one(session_factory, "SELECT description FROM organization WHERE id = :i", i=ORG)
    assert org["description"] == ""
    service = await _one(
        session_factory,
        "SELECT status FROM service WHERE id = :i",
        i=internal_id("test", "service", "s-1"),
    )
    assert service["status"] == "active"


async def test_a_json_service_without_status_is_reported(run: Importer, tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text(
        json.dumps([{"id": "s-1", "name": "Food", "organization": {"id": ORG, "name": "Org"}}]),
        encoding="utf-8",
    )
    report = await run(lambda r: read_json(path, r))
    assert report.committed
    assert [(w.row, w.field) for w in report.warnings] == [(1, "status")]


async def test_utf8_with_a_few_bad_bytes_is_read_as_utf8(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    rows = "".join(f"s-{i},{ORG},Atención número {i},,active\n" for i in range(20))
    text = f"id,organization_id,name,description,status\n{rows}".encode()
    bad = f"s-bad,{ORG},Caf".encode() + b"\xe9 roto,,active\n"  # one Latin-1 byte
    package = _package(
        tmp_path, {"organizations.csv": f"id,name,description\n{ORG},Org,x\n", "services.csv": ""}
    )
    (package / "services.csv").write_bytes(text + bad)

    strict = await run(lambda r: read_package(package, r))
    assert not strict.committed
    assert [(p.file, p.row, p.field) for p in strict.problems] == [("services.csv", 22, "name")]
    assert "not valid UTF-8" in strict.problems[0].reason

    report = await run(lambda r: read_package(package, r), skip_invalid=True)
    assert report.committed
    assert report.entity("service").created == 20
    service = await _one(
        session_factory,
        "SELECT name FROM service WHERE id = :i",
        i=internal_id("test", "service", "s-3"),
    )
    assert service["name"] == "Atención número 3"  # not "AtenciÃ³n" (read as a legacy codec)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
async def test_legacy_files_still_import(
    run: Importer, session_factory: SessionFactory, tmp_path: Path, encoding: str
) -> None:
    package = _package(
        tmp_path,
        {
            "organizations.csv": f"id,name,description\n{ORG},Café Niño,Señal\n",
            "services.csv": f"id,organization_id,name,status\ns-1,{ORG},Atención,active\n",
        },
        encoding=encoding,
    )
    report = await run(lambda r: read_package(package, r))
    assert report.committed, report.problems
    org = await _one(session_factory, "SELECT name FROM organization WHERE id = :i", i=ORG)
    assert org["name"] == "Café Niño"


async def test_duplicate_unique_keys_are_problems_not_database_errors(
    run: Importer, tmp_path: Path
) -> None:
    package = _package(
        tmp_path,
        {
            "taxonomies.csv": "id,name,description\nt-1,Local needs,x\n",
            "taxonomy_terms.csv": (
                "id,code,name,description,taxonomy_id\n"
                "a,food,Food,x,t-1\nb,food,Food again,x,t-1\nc,rent,Rent,x,t-1\n"
            ),
        },
    )
    strict = await run(lambda r: read_package(package, r))
    assert not strict.committed
    assert [(p.file, p.row, p.field) for p in strict.problems] == [
        ("taxonomy_terms.csv", 3, "code")
    ]
    report = await run(lambda r: read_package(package, r), skip_invalid=True)
    assert report.committed
    assert report.entity("taxonomy_term").created == 2
    assert report.skip_reasons == {"taxonomy_term: duplicate of another record": 1}


async def test_web_addresses_are_normalized_and_sentences_dropped(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    package = _package(
        tmp_path,
        {
            "organizations.csv": (
                "id,name,description,website,email\n"
                f"{ORG},Gulf Coast Legal,x,GULFCOASTLEGAL.ORG,Call us for an appointment\n"
            ),
        },
    )
    report = await run(lambda r: read_package(package, r))
    assert report.committed
    org = await _one(
        session_factory, "SELECT website, email FROM organization WHERE id = :i", i=ORG
    )
    assert org == {"website": "https://gulfcoastlegal.org", "email": None}
    assert [(w.row, w.field) for w in report.warnings] == [(2, "email")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.x.org", "https://www.x.org"),
        ("GULFCOASTLEGAL.ORG", "https://gulfcoastlegal.org"),
        ("http://Brevard.org/index.php?A=B", "http://brevard.org/index.php?A=B"),
        ("www.x.org:8080/Path", "https://www.x.org:8080/Path"),
        ("urn:x-openeligibility:food", "urn:x-openeligibility:food"),
    ],
)
def test_uri_normalization(raw: str, expected: str) -> None:
    assert normalize_uri(raw) == expected


@pytest.mark.parametrize("raw", ["see our website", "http://", "www", "http://exa mple.org"])
def test_unusable_uris(raw: str) -> None:
    with pytest.raises(UnusableValue):
        normalize_uri(raw)


def test_email_normalization() -> None:
    assert normalize_email(" mailto:Info@Example.org ") == "Info@Example.org"
    with pytest.raises(UnusableValue):
        normalize_email("Please call for information")


async def test_values_the_database_would_refuse_are_located_problems(
    run: Importer, tmp_path: Path
) -> None:
    # Each would be a database error on PostgreSQL (NUL in text, integer overflow, too long).
    path = tmp_path / "services.json"
    org = {"id": ORG, "name": "Org", "year_incorporated": 99_999_999_999}
    path.write_text(
        json.dumps(
            [
                {"id": "s-1", "name": "Food\u0000bank", "status": "active", "organization": org},
                {"id": "s-2", "name": "x" * 300, "status": "active", "organization_id": ORG},
                {
                    "id": "s-3",
                    "name": "Rent help",
                    "status": "active",
                    "organization_id": ORG,
                    "cost_options": [{"id": "c-1", "amount": 99_999_999_999}],
                },
            ]
        ),
        encoding="utf-8",
    )
    strict = await run(lambda r: read_json(path, r))
    assert not strict.committed
    assert {(p.row, p.field, p.reason) for p in strict.problems} == {
        (1, "year_incorporated", "99999999999 is out of range"),
        (1, "name", "contains a NUL character"),
        (2, "name", "is 300 characters long; at most 255"),
        (3, "amount", "99999999999 is out of range"),  # NUMERIC(12, 2)
    }
    report = await run(lambda r: read_json(path, r), skip_invalid=True)
    assert report.committed
    assert report.entity("service").created == 1
    assert report.entity("cost_option").created == 1  # without the amount it could not hold


async def test_a_parent_loop_is_a_located_problem(
    run: Importer, session_factory: SessionFactory, tmp_path: Path
) -> None:
    # On PostgreSQL a loop of parents cannot be inserted in any order (foreign keys): it was a
    # database error; now the link closing the loop is left out and reported.
    package = _package(
        tmp_path,
        {
            "taxonomies.csv": "id,name,description\nt-1,Local needs,x\n",
            "taxonomy_terms.csv": (
                "id,code,name,description,taxonomy_id,parent_id\n"
                "c,c,Child,x,t-1,a\na,a,A,x,t-1,b\nb,b,B,x,t-1,a\n"
            ),
        },
    )
    strict = await run(lambda r: read_package(package, r))
    assert not strict.committed
    assert [(p.row, p.field) for p in strict.problems] == [(4, "parent_id")]
    assert "is its own ancestor" in strict.problems[0].reason
    report = await run(lambda r: read_package(package, r), skip_invalid=True)
    assert report.committed
    assert report.entity("taxonomy_term").created == 3
    child = await _one(
        session_factory,
        "SELECT parent_id FROM taxonomy_term WHERE id = :i",
        i=internal_id("test", "taxonomy_term", "c"),
    )
    assert child["parent_id"] == internal_id("test", "taxonomy_term", "a")
