"""The secret key: generated once per data directory, shared by every process, required in
production; CSRF tokens and audit pseudonyms all use the one resolved key."""

from __future__ import annotations

import asyncio
import csv
import io
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.container import build_container
from hub.core.secret_key import KEY_FILE, SecretKeyError, load_or_create_key, resolve_secret_key
from hub.core.settings import Settings
from hub.web.client_link import ClientLinkPages
from referrals.analytics.audit import pseudonym
from tests.referrals.builders import make_referral, make_world


def _settings(data_dir: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **values)  # type: ignore[arg-type]


def test_an_empty_key_is_generated_once_for_the_owner_only(tmp_path: Path) -> None:
    first = resolve_secret_key(_settings(tmp_path))
    key = first.secret_key.get_secret_value()
    path = tmp_path / KEY_FILE
    assert len(key) == 64
    assert int(key, 16) > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A second start (or another replica) reads the same key; a configured key wins.
    assert resolve_secret_key(_settings(tmp_path)).secret_key.get_secret_value() == key
    configured = resolve_secret_key(_settings(tmp_path, secret_key="c" * 40))
    assert configured.secret_key.get_secret_value() == "c" * 40
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_replicas_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    keys: list[str] = []

    def replica() -> None:
        start.wait()
        keys.append(load_or_create_key(tmp_path))

    threads = [threading.Thread(target=replica) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert len(set(keys)) == 1
    # No half-written or temporary files are left behind.
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


@pytest.mark.parametrize("given", ["", "too-short-for-production"])
def test_production_refuses_a_missing_or_short_key(tmp_path: Path, given: str) -> None:
    with pytest.raises(SecretKeyError, match="HUB_SECRET_KEY"):
        resolve_secret_key(_settings(tmp_path, env="production", secret_key=given))
    # Nothing was generated in its place.
    assert not (tmp_path / KEY_FILE).exists()
    accepted = resolve_secret_key(_settings(tmp_path, env="production", secret_key="k" * 32))
    assert accepted.secret_key.get_secret_value() == "k" * 32


def test_a_truncated_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("abc\n")
    with pytest.raises(SecretKeyError, match="fewer than 32"):
        resolve_secret_key(_settings(tmp_path))


async def test_the_app_csrf_and_the_cli_report_use_the_same_generated_key(
    session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    world = await make_world(session)
    referral = await make_referral(session, world)
    settings = _settings(data_dir, database_url=database_url, secret_key=SecretStr(""))
    container = build_container(settings)
    try:
        key = container.settings.secret_key.get_secret_value()
        assert key == (data_dir / KEY_FILE).read_text().strip()
        # The client page signs its CSRF tokens with it (no per-process fallback).
        assert ClientLinkPages(container)._secret == key
    finally:
        await container.close()
    # `hub report` (a separate CLI run, no HUB_SECRET_KEY) keys pseudonyms with the same key.
    # In a thread: the command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["report", "events", "--from", "2020-01-01", "--to", "2029-01-01", "--format", "csv"],
        env={"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir), "HUB_SECRET_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    assert {row["referral_key"] for row in rows} == {pseudonym(key.encode(), referral.id)}


def test_the_cli_refuses_to_start_in_production_without_a_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve"],
        env={"HUB_ENV": "production", "HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": ""},
    )
    assert result.exit_code == 2
    assert "HUB_SECRET_KEY" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / KEY_FILE).exists()
