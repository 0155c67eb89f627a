"""Imports started by a hub admin: who may, what a dry run writes, and unusable uploads."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from hub.core.errors import Forbidden, Unauthenticated, ValidationFailed
from hub.identity.models import OrgRole
from hub.identity.principal import ANONYMOUS, Principal
from importers.admin_imports import (
    ImportKind,
    ImportPlan,
    check_plan,
    mapping_names,
    run_admin_import,
)
from importers.report import ImportReport
from tests.importers.conftest import HSDS_EXAMPLES, ICAROL_SAMPLE, OHANA, table_counts

ADMIN = Principal(user_id="u-admin", name="Admin", is_hub_admin=True)
ORG = "cd09a387-91f4-4555-94ec-e799c35344cd"
REFUSED = [
    pytest.param(ANONYMOUS, Unauthenticated, id="anonymous"),
    pytest.param(Principal(user_id="u-a", name="A", is_auditor=True), Forbidden, id="auditor"),
    pytest.param(
        Principal(user_id="u-o", name="O", org_roles={ORG: OrgRole.ADMIN}), Forbidden, id="org"
    ),
]


def services_json(path: Path, *names: str) -> Path:
    """HSDS JSON: one service per name, all of one organization (an empty name is a problem)."""
    org = {"id": ORG, "name": "Harbor Aid", "description": "Help by the harbor"}
    rows = [
        {"id": f"7a0a4b8e-3c6f-4b43-9a57-4b1a2f1c3d{i:02d}", "name": name, "status": "active",
         "organization": org}
        for i, name in enumerate(names)
    ]  # fmt: skip
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


async def _run(
    plan: ImportPlan, factory: SessionFactory, *, dry_run: bool, actor: Principal = ADMIN
) -> ImportReport:
    return await run_admin_import(
        plan, actor=actor, session_factory=factory, clock=SystemClock(), dry_run=dry_run
    )


async def test_a_dry_run_writes_nothing_and_apply_writes(
    session_factory: SessionFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    plan = ImportPlan(services_json(tmp_path / "s.json", "Drop-in advice"), ImportKind.HSDS, "web")
    before = await table_counts(engine)
    dry = await _run(plan, session_factory, dry_run=True)
    assert dry.entity("service").created == 1
    assert not dry.committed
    assert await table_counts(engine) == before
    applied = await _run(plan, session_factory, dry_run=False)
    assert applied.committed
    after = await table_counts(engine)
    assert after["service"] == before["service"] + 1
    assert after["organization"] == before["organization"] + 1


async def test_problems_carry_their_row_and_invalid_records_may_be_skipped(
    session_factory: SessionFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    path = services_json(tmp_path / "s.json", "Drop-in advice", "")
    strict = await _run(ImportPlan(path, ImportKind.HSDS, "web"), session_factory, dry_run=True)
    assert strict.failed
    [problem] = strict.problems
    assert (problem.file, problem.row, problem.field) == ("s.json", 2, "name")
    lenient = ImportPlan(path, ImportKind.HSDS, "web", skip_invalid=True)
    applied = await _run(lenient, session_factory, dry_run=False)
    assert applied.committed
    assert applied.entity("service").created == 1
    assert applied.entity("service").skipped == 1


@pytest.mark.parametrize(("actor", "error"), REFUSED)
async def test_only_a_hub_admin_may_import(
    session_factory: SessionFactory,
    engine: AsyncEngine,
    tmp_path: Path,
    actor: Principal,
    error: type[Exception],
) -> None:
    plan = ImportPlan(services_json(tmp_path / "s.json", "Advice"), ImportKind.HSDS, "web")
    before = await table_counts(engine)
    with pytest.raises(error):
        await _run(plan, session_factory, dry_run=False, actor=actor)
    with pytest.raises(error):
        check_plan(actor=actor, kind="hsds", source="web")
    assert await table_counts(engine) == before


async def test_a_zipped_package_a_211_export_and_a_mapped_csv_import(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    package = tmp_path / "package.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for csv in (HSDS_EXAMPLES / "csv").glob("*.csv"):
            archive.write(csv, f"export/{csv.name}")
    hsds = await _run(ImportPlan(package, ImportKind.HSDS, "pkg"), session_factory, dry_run=True)
    assert hsds.entity("service").created >= 1
    assert not hsds.failed
    icarol = await _run(
        ImportPlan(ICAROL_SAMPLE, ImportKind.ICAROL, "211"), session_factory, dry_run=True
    )
    assert icarol.entity("service").created >= 1
    assert not icarol.failed
    assert "ohana_1x" in mapping_names()
    assert "airs_to_needs" not in mapping_names()
    ohana = tmp_path / "ohana.zip"
    with zipfile.ZipFile(ohana, "w") as archive:
        for csv in OHANA.glob("*.csv"):
            archive.write(csv, csv.name)
    mapped = await _run(
        ImportPlan(ohana, ImportKind.CSV, "csv", mapping="ohana_1x"),
        session_factory,
        dry_run=True,
    )
    assert mapped.entity("service").created >= 1


def _zip_of(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.mark.parametrize(
    ("kind", "make", "field", "code"),
    [
        ("hsds", lambda d: _touch(d / "empty.json", ""), "file", "REQUIRED"),
        ("hsds", lambda d: _touch(d / "a.csv", "id,name\n1,x\n"), "file", "INVALID"),
        ("hsds", lambda d: _zip_of(d / "p.zip", {"readme.txt": "hi"}), "file", "INVALID"),
        ("hsds", lambda d: _touch(d / "bad.zip", "PK\x03\x04 not really"), "file", "INVALID"),
        ("icarol", lambda d: _touch(d / "s.json", "[]"), "file", "INVALID"),
        ("csv", lambda d: _touch(d / "x.bin", "\x00\x01\x02"), "file", "INVALID"),
    ],
)
async def test_unusable_uploads_are_refused_with_a_field_error(
    session_factory: SessionFactory,
    engine: AsyncEngine,
    tmp_path: Path,
    kind: str,
    make: object,
    field: str,
    code: str,
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    before = await table_counts(engine)
    plan = ImportPlan(path, ImportKind(kind), "web", mapping="ohana_1x")
    with pytest.raises(ValidationFailed) as caught:
        await _run(plan, session_factory, dry_run=False)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]
    assert await table_counts(engine) == before


def _touch(path: Path, text: str) -> Path:
    path.write_text(text, encoding="latin-1")
    return path


def test_the_form_choices_are_checked() -> None:
    assert check_plan(actor=ADMIN, kind="icarol", source=" ") == (ImportKind.ICAROL, "211", "")
    assert check_plan(actor=ADMIN, kind="csv", source="", mapping="ohana_1x") == (
        ImportKind.CSV,
        "csv:ohana_1x",
        "ohana_1x",
    )
    for kind, source, mapping, field in [
        ("xml", "s", "", "kind"),
        ("csv", "s", "../secret", "mapping"),
        ("csv", "s", "airs_to_needs", "mapping"),
        ("hsds", "x" * 101, "", "source"),
        ("hsds", "a\nb", "", "source"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            check_plan(actor=ADMIN, kind=kind, source=source, mapping=mapping)
        assert [e.field for e in caught.value.errors] == [field]
