"""The `hub` command: refusals on unmigrated databases, users, tokens, demo, bad arguments."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import typer
import typer.core
import typer.main
from rich.console import Console
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.cli.common import EXIT_NOT_MIGRATED, EXIT_USAGE, parse_id
from hub.cli.report import show_table
from hub.cli.server import follow_served_port, served_base_url
from hub.core.clock import SystemClock
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from hub.identity.models import OrgRole
from hub.identity.principal import Principal
from hub.identity.service import principal_for_token
from referrals.analytics.export import Table
from tests.builders import make_organization

T = TypeVar("T")
runner = CliRunner()
PASSWORD = "a-long-enough-password"


def hub(database_url: str, data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    """Run `hub ARGS` in-process against one database."""
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir)}
    return runner.invoke(app, list(args), env=env, input=stdin)


def said(result: Result) -> str:
    """Everything printed, with rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture
def unmigrated(tmp_path: Path) -> str:
    """A SQLite file no migration has run on."""
    return f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.sqlite3'}"


def test_serve_refuses_an_unmigrated_database(unmigrated: str, tmp_path: Path) -> None:
    result = hub(unmigrated, tmp_path, "serve", "--port", "8999")
    assert result.exit_code == EXIT_NOT_MIGRATED
    assert "has never been migrated" in said(result)
    assert "Run `hub migrate` first" in said(result)


def test_migrate_check_then_migrate_then_current(unmigrated: str, tmp_path: Path) -> None:
    assert hub(unmigrated, tmp_path, "migrate", "--check").exit_code == EXIT_NOT_MIGRATED
    done = hub(unmigrated, tmp_path, "migrate")
    assert done.exit_code == 0, done.output
    assert "Migrated" in said(done)
    assert hub(unmigrated, tmp_path, "migrate", "--check").exit_code == 0
    assert "already current" in said(hub(unmigrated, tmp_path, "migrate"))


def test_user_and_token_commands_refuse_an_unmigrated_database(
    unmigrated: str, tmp_path: Path
) -> None:
    made = hub(unmigrated, tmp_path, "user", "create", "--email", "a@b.org", "--name", "A",
               "--password", PASSWORD)  # fmt: skip
    assert made.exit_code == EXIT_NOT_MIGRATED
    token = hub(unmigrated, tmp_path, "token", "create", "--email", "a@b.org")
    assert token.exit_code == EXIT_NOT_MIGRATED


def in_db(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in a committed session of its own (the CLI runs its own event loops)."""

    async def go() -> T:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(go())


def resolve(url: str, token: str) -> Principal:
    """The principal a token stands for."""

    async def work(session: AsyncSession) -> Principal:
        return await principal_for_token(session=session, token=token, clock=SystemClock())

    return in_db(url, work)


def test_user_create_with_role_then_token_create_resolves(
    database_url: str, tmp_path: Path
) -> None:
    org = in_db(database_url, lambda s: make_organization(s, "Eastside Career Center"))
    made = hub(database_url, tmp_path, "user", "create", "--email", "Coach@Example.org",
               "--name", "Casey Coach", "--org", org.id, "--role", "org_admin",
               stdin=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    issued = hub(database_url, tmp_path, "token", "create", "--email", "coach@example.org",
                 "--ttl-hours", "2")  # fmt: skip
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("hub_")
    principal = resolve(database_url, token)
    assert principal.name == "Casey Coach"
    assert principal.org_roles == {org.id: OrgRole.ADMIN}


def test_hub_admin_and_auditor_flags(database_url: str, tmp_path: Path) -> None:
    for email, flag in (("root@example.org", "--hub-admin"), ("audit@example.org", "--auditor")):
        made = hub(database_url, tmp_path, "user", "create", "--email", email, "--name", "X",
                   "--password", PASSWORD, flag)  # fmt: skip
        assert made.exit_code == 0, made.output
    root, auditor = (
        resolve(database_url, hub(database_url, tmp_path, "token", "create", "--email", email)
                .stdout.split()[-1])
        for email in ("root@example.org", "audit@example.org")
    )  # fmt: skip
    assert root.is_hub_admin
    assert not root.is_auditor
    assert auditor.is_auditor
    assert not auditor.is_hub_admin


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", "short"],
         "password"),
        (["user", "create", "--email", "not-an-email", "--name", "A", "--password", PASSWORD],
         "email"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--role", "org_admin"], "--role needs --org"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--org", "no-such-org"], "--org takes the id of an Organization"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--org", "8f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d11"], "was not found"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--hub-admin", "--auditor"], "not both"),
        (["user", "create", "--email", "a@b.org", "--name", "A", "--password", PASSWORD,
          "--org", "x", "--role", "emperor"], "emperor"),
        (["token", "create", "--email", "nobody@example.org"], "was not found"),
        (["token", "create", "--email", "a@b.org", "--ttl-hours", "0"], "ttl-hours"),
        (["serve", "--port", "70000"], "port"),
        (["serve", "--workers", "0"], "workers"),
        (["frobnicate"], "frobnicate"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_clear_message(
    database_url: str, tmp_path: Path, args: list[str], expected: str
) -> None:
    result = hub(database_url, tmp_path, *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in said(result)
    assert "Traceback" not in result.output


def test_duplicate_user_is_refused(database_url: str, tmp_path: Path) -> None:
    args = ["user", "create", "--email", "dup@example.org", "--name", "D", "--password", PASSWORD]
    assert hub(database_url, tmp_path, *args).exit_code == 0
    again = hub(database_url, tmp_path, *args)
    assert again.exit_code == EXIT_USAGE
    assert "taken" in said(again)


def test_demo_migrates_first_then_refuses_a_second_load(unmigrated: str, tmp_path: Path) -> None:
    first = hub(unmigrated, tmp_path, "demo")
    assert first.exit_code == 0, first.output
    assert "Migrating" in said(first)
    assert first.stdout.count("hub_") >= 8  # one token per demo user
    assert "admin@demo.example.org" in first.stdout
    second = hub(unmigrated, tmp_path, "demo")
    assert second.exit_code == 1
    assert "--reset" in said(second)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_serve_serves_a_migrated_database(settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "HUB_DATABASE_URL": settings.resolved_database_url(),
           "HUB_DATA_DIR": str(tmp_path), "HUB_LOG_FORMAT": "json"}  # fmt: skip
    command = [
        sys.executable,
        "-c",
        "from hub.cli import main; main()",
        "serve",
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = None
        for _ in range(100):
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "server did not start"
        assert ready.status_code == 200
        assert ready.json()["migrations"] == "current"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    access = [line for line in err.decode().splitlines() if '"hub.access"' in line]
    assert access, err.decode()[-2000:]
    assert '"route": "/readyz"' in access[0]


def test_schema_prints_the_committed_sdl(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    committed = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8")
    assert result.stdout == committed


def _commands(group: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [path]
    for name, command in group.commands.items():
        if isinstance(command, typer.core.TyperGroup):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_flags_are_shown_as_flags_in_every_help() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    commands = _commands(group)
    assert ("migrate",) in commands
    assert ("user", "create") in commands
    for path in commands:
        shown = runner.invoke(app, [*path, "--help"])
        assert shown.exit_code == 0, path
        assert "<bool>" not in shown.output, path
    migrate_help = runner.invoke(app, ["migrate", "--help"]).output
    assert re.search(r"^\s+--check\s+Only tell", migrate_help, re.MULTILINE), migrate_help


def test_serve_on_a_missing_database_leaves_no_file_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = hub(f"sqlite+aiosqlite:///{data / 'hub.sqlite3'}", data, "serve", "--port", "8999")
    assert result.exit_code == EXIT_NOT_MIGRATED
    assert "Run `hub migrate`" in said(result)
    assert not data.exists()
    plain = runner.invoke(app, ["serve"], env={"HUB_DATABASE_URL": "", "HUB_DATA_DIR": str(data)})
    assert plain.exit_code == EXIT_NOT_MIGRATED
    check = runner.invoke(
        app, ["migrate", "--check"], env={"HUB_DATABASE_URL": "", "HUB_DATA_DIR": str(data)}
    )
    assert check.exit_code == EXIT_NOT_MIGRATED
    assert not data.exists()


def test_user_create_prompts_on_stderr_and_takes_the_apis_organization_id(
    database_url: str, tmp_path: Path
) -> None:
    org = in_db(database_url, lambda s: make_organization(s, "Westside Career Center"))
    global_id = base64.urlsafe_b64encode(f"Organization:{org.id}".encode()).decode()
    made = hub(database_url, tmp_path, "user", "create", "--email", "p@example.org",
               "--name", "P", "--org", global_id, stdin=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.stdout.split() == [made.stdout.strip()]  # one line: the user id, no prompt
    assert "Password" in made.stderr
    token = hub(database_url, tmp_path, "token", "create", "--email", "p@example.org")
    assert resolve(database_url, token.stdout.split()[-1]).org_roles == {org.id: OrgRole.STAFF}


def test_parse_id_takes_uuids_and_global_ids_of_the_named_type_only() -> None:
    raw = "8F0C9A52-5D8E-4A4E-9A57-0C2F1F4F9D11"
    assert parse_id(raw, "Network", "--network") == raw.lower()
    network = base64.urlsafe_b64encode(f"Network:{raw.lower()}".encode()).decode()
    assert parse_id(network, "Network", "--network") == raw.lower()
    organization = base64.urlsafe_b64encode(f"Organization:{raw.lower()}".encode()).decode()
    for bad in (organization, "net-1", ""):
        with pytest.raises(typer.Exit) as refused:
            parse_id(bad, "Network", "--network")
        assert refused.value.exit_code == EXIT_USAGE


def _render(table: Table, width: int) -> str:
    sink = io.StringIO()
    show_table(table, "t report", Console(file=sink, width=width, highlight=False))
    return sink.getvalue()


def test_report_tables_never_cut_a_cell() -> None:
    long_name = "Dublin Housing Resource Center of the [bold]Tri-Valley"  # text, not markup
    table = Table(columns=["receiver", "sent", "closed_loop_rate"], rows=[[long_name, "12", "0.5"]])
    wide = _render(table, 120)
    assert long_name in wide
    assert "[bold]" in _render(table, 40)
    assert wide.count("receiver") == 1  # one header row: laid out as columns
    narrow = _render(table, 40)
    assert "row 1" in narrow
    assert "closed_loop_rate" in narrow
    letters = "".join(ch for ch in narrow if ch.isalnum())
    assert "".join(ch for ch in long_name if ch.isalnum()) in letters  # wrapped, not cut
    assert "…" not in narrow


def test_public_links_follow_the_served_port_unless_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    # setenv first so the original state is restored: the code under test writes os.environ.
    monkeypatch.setenv("HUB_PUBLIC_BASE_URL", "unset below")
    monkeypatch.delenv("HUB_PUBLIC_BASE_URL")
    follow_served_port(Settings(), "0.0.0.0", 8123)
    assert os.environ["HUB_PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    assert Settings().public_base_url == "http://127.0.0.1:8123"
    follow_served_port(Settings(), "::1", 8124)  # now set: kept
    assert os.environ["HUB_PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("HUB_PUBLIC_BASE_URL", "https://hub.example.org")
    follow_served_port(Settings(), "127.0.0.1", 8125)
    assert os.environ["HUB_PUBLIC_BASE_URL"] == "https://hub.example.org"
    assert served_base_url("::1", 9000) == "http://[::1]:9000"
