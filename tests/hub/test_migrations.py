"""Migrations build every table from empty (SQLite and PostgreSQL) and match the models exactly."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from hub import migrate
from hub.tables import metadata
from providers.needs_taxonomy import NEEDS_TAXONOMY, shipped_needs

PG_ENV = "HUB_TEST_DATABASE_URL"


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(
        sa.make_url(migrate.sync_url(url)).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> str:
    """A SQLite file that has never been migrated."""
    return f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A brand-new PostgreSQL database (only when HUB_TEST_DATABASE_URL is set)."""
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    name = f"hub_mig_{uuid.uuid4().hex[:10]}"
    admin = _admin(base)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _check_up_from_empty(url: str) -> None:
    assert migrate.current_revisions(url) == set()
    assert not migrate.is_current(url)
    migrate.upgrade(url)
    assert migrate.is_current(url)
    assert migrate.current_revisions(url) == migrate.head_revisions()
    # Every table of every area exists, and columns, types and indexes match the models.
    assert migrate.pending_model_changes(url) == []
    engine = sa.create_engine(migrate.sync_url(url))
    try:
        tables = set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            terms = connection.execute(
                sa.text(
                    "SELECT count(*) FROM taxonomy_term t JOIN taxonomy x ON x.id = t.taxonomy_id "
                    "WHERE x.name = :name"
                ),
                {"name": NEEDS_TAXONOMY},
            ).scalar_one()
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert terms == len(shipped_needs().needs)
    # Upgrading a current database is a no-op.
    migrate.upgrade(url)
    assert migrate.is_current(url)


def test_sqlite_migrates_up_from_empty(empty_sqlite: str) -> None:
    _check_up_from_empty(empty_sqlite)


@pytest.mark.postgres
def test_postgres_migrates_up_from_empty(empty_postgres: str) -> None:
    _check_up_from_empty(empty_postgres)


def test_every_branch_grows_from_the_one_root() -> None:
    script = ScriptDirectory.from_config(migrate._config())
    assert script.get_bases() == ["0001"]
    needs = script.get_revision("0002")
    assert needs is not None
    assert needs.down_revision == "0001"


def test_a_missing_table_shows_as_a_pending_change(empty_sqlite: str) -> None:
    migrate.upgrade(empty_sqlite)
    engine = sa.create_engine(migrate.sync_url(empty_sqlite))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE required_document"))
    finally:
        engine.dispose()
    changes = migrate.pending_model_changes(empty_sqlite)
    assert any(c[0] == "add_table" and c[1].name == "required_document" for c in changes)
