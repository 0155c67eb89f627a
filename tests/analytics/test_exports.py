"""CSV exports: the same figures and suppression as the API, by `hub report` and over HTTP."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from hub.cli import app
from hub.identity.principal import SYSTEM
from referrals.analytics.dimensions import Dimension
from referrals.analytics.export import SUPPRESSED, ReportKind, export_report, to_csv
from referrals.analytics.report import ReportQuery, network_report
from tests.analytics.conftest import CLOCK, Readers
from tests.analytics.network import END, MARK, START, FixtureNetwork

KEY = b"k"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_network_csv_carries_the_reports_figures_and_suppression(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    query = ReportQuery(start=START, end=END, group_by=(Dimension.SENDER, Dimension.RECEIVER))
    report = await network_report(
        session=session, actor=readers.auditor_a.principal, clock=CLOCK, query=query
    )
    table = await export_report(
        session=session,
        actor=readers.auditor_a.principal,
        clock=CLOCK,
        kind=ReportKind.NETWORK,
        query=query,
        pseudonym_key=KEY,
    )
    rows = _rows(to_csv(table))
    assert len(rows) == len(report.rows) + 1
    for row, expected in zip(rows, report.rows, strict=False):
        assert row["sender_organization"] == expected.group[0].label
        cell = expected.counts["referrals"]
        assert row["sent"] == (SUPPRESSED if cell.suppressed else str(cell.value))
    assert rows[-1]["sender_organization"] == "TOTAL"
    assert rows[-1]["sent"] == str(report.total.counts["referrals"].value)
    assert any(r["sent"] == SUPPRESSED for r in rows)


async def test_every_kind_exports_without_client_data(
    session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    query = ReportQuery(start=START, end=END, group_by=(Dimension.NEED,))
    for kind in ReportKind:
        if kind == ReportKind.ACCESS:
            continue
        table = await export_report(
            session=session,
            actor=readers.auditor_a.principal,
            clock=CLOCK,
            kind=kind,
            query=query,
            pseudonym_key=KEY,
        )
        text = to_csv(table)
        assert table.rows, kind
        assert MARK.lower() not in text.lower(), kind
    access = await export_report(
        session=session,
        actor=SYSTEM,
        clock=CLOCK,
        kind=ReportKind.ACCESS,
        query=query,
        pseudonym_key=KEY,
    )
    assert len(access.rows) == len(network.referral_ids) + 2


def test_hub_report_prints_csv(database_url: str, tmp_path: Path, network: FixtureNetwork) -> None:
    env = {
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_SECRET_KEY": "test-secret-key-0123456789",
    }
    args = [
        "report",
        "network",
        "--from",
        "2026-01-01",
        "--to",
        "2026-07-01",
        "--group-by",
        "sender_organization",
        "--group-by",
        "month",
        "--network",
        network.network_a.id,
        "--format",
        "csv",
    ]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert rows[-1]["sender_organization"] == "TOTAL"
    assert {r["sender_organization"] for r in rows[:-1]} <= {
        "Alameda Job Center",
        "Oakland Food Bank",
        "East Bay Housing",
        "Fremont Child Care",
        "Statewide Legal Aid",
    }
    table = CliRunner().invoke(
        app, ["report", "flows", "--from", "2026-01-01", "--to", "2026-07-01"], env=env
    )
    assert table.exit_code == 0
    assert "King County Works" in table.stdout
    bad = CliRunner().invoke(
        app, ["report", "network", "--from", "soon", "--to", "2026-07-01"], env=env
    )
    assert bad.exit_code == 2


async def test_csv_download_over_http(
    client: httpx.AsyncClient, network: FixtureNetwork, readers: Readers
) -> None:
    params = {"from": START.isoformat(), "to": END.isoformat(), "group_by": "status"}
    response = await client.get(
        "/reports/network.csv", params=params, headers=readers.auditor_a.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = _rows(response.text)
    assert rows[-1]["status"] == "TOTAL"
    assert int(rows[-1]["sent"]) > 200
    assert (await client.get("/reports/network.csv", params=params)).status_code == 401
    staff = await client.get("/reports/network.csv", params=params, headers=readers.staff_a.headers)
    assert staff.status_code == 403
    other = {**params, "network": network.network_b.id}
    assert (
        await client.get("/reports/flows.csv", params=other, headers=readers.auditor_a.headers)
    ).status_code == 403
    assert (
        await client.get("/reports/access.csv", params=params, headers=readers.auditor_a.headers)
    ).status_code == 403
    assert (
        await client.get("/reports/nope.csv", params=params, headers=readers.admin.headers)
    ).status_code == 400
