"""The buffered aiosqlite driver: DB-API results as sqlite3 gives them, one thread trip each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core import sqlite_driver
from hub.core.db import create_engine


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite engine on a scratch file with one table, whatever database the suite uses."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TABLE item (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
        )
    yield engine
    await engine.dispose()


async def test_engine_uses_the_buffered_driver(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)


async def test_statements_cost_one_trip_each(sqlite_engine: AsyncEngine, trips: list[str]) -> None:
    async with sqlite_engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")  # checkout and warm-up
        trips.clear()
        rows = (await connection.execute(sa.text("SELECT n FROM item"))).all()
        await connection.execute(sa.text("INSERT INTO item (name) VALUES ('a')"))
        await connection.commit()
    assert rows == []
    assert len(trips) == 3  # select (with its fetch), insert, commit


async def test_rows_keys_and_partial_fetches(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.begin() as connection:
        await connection.execute(
            sa.text("INSERT INTO item (name) VALUES (:name)"),
            [{"name": name} for name in ("a", "b", "c")],
        )
        result = await connection.execute(sa.text("SELECT n, name FROM item ORDER BY n"))
        assert list(result.keys()) == ["n", "name"]
        assert result.fetchone() == (1, "a")
        assert result.fetchmany(1) == [(2, "b")]
        assert result.fetchall() == [(3, "c")]
        assert result.fetchone() is None


async def test_each_result_keeps_its_own_counts(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.begin() as connection:
        insert = await connection.execute(sa.text("INSERT INTO item (name) VALUES ('x')"))
        many = await connection.execute(
            sa.text("INSERT INTO item (name) VALUES (:name)"), [{"name": "y"}, {"name": "z"}]
        )
        update = await connection.execute(sa.text("UPDATE item SET name = name || '!'"))
        none = await connection.execute(sa.text("DELETE FROM item WHERE name = 'absent'"))
        # Read after later statements ran: the counts belong to each statement, not the last.
        assert insert.lastrowid == 1
        assert insert.rowcount == 1
        assert many.rowcount == 2
        assert update.rowcount == 3
        assert none.rowcount == 0


async def test_database_errors_surface_as_sqlalchemy_errors(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.begin() as connection:
        await connection.execute(sa.text("INSERT INTO item (name) VALUES ('dup')"))
    async with sqlite_engine.connect() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(sa.text("INSERT INTO item (name) VALUES ('dup')"))
        await connection.rollback()
        with pytest.raises(OperationalError, match="no such table"):
            await connection.execute(sa.text("SELECT * FROM missing"))
        await connection.rollback()
        # The connection is still usable after both failures.
        assert (await connection.execute(sa.text("SELECT count(*) FROM item"))).scalar() == 1


async def test_streamed_results_arrive_whole(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.begin() as connection:
        await connection.execute(
            sa.text("INSERT INTO item (name) VALUES (:name)"),
            [{"name": f"n{i}"} for i in range(150)],
        )
        result = await connection.stream(sa.text("SELECT name FROM item ORDER BY n"))
        names = [row.name async for row in result]
    assert names == [f"n{i}" for i in range(150)]


async def test_the_driver_cursor_on_its_own(tmp_path: Path) -> None:
    connection = await sqlite_driver.connect(tmp_path / "direct.sqlite3")
    cursor = await connection.cursor()
    await cursor.executescript("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1), (2);")
    assert cursor.description is None
    await cursor.execute("SELECT x FROM a ORDER BY x")
    assert [column[0] for column in cursor.description] == ["x"]
    assert [row async for row in cursor] == [(1,), (2,)]
    await cursor.executemany("INSERT INTO a VALUES (?)", [(3,), (4,)])
    assert cursor.rowcount == 2
    with pytest.raises(sqlite_driver.NotSupportedError):
        cursor.row_factory = None
    await connection.close()
    with pytest.raises(ValueError, match="Connection closed"):
        await cursor.execute("SELECT 1")
    with pytest.raises(ValueError, match="Connection closed"):
        await cursor.execute("SELECT 1")


async def test_ending_a_read_only_transaction_costs_no_trip(
    sqlite_engine: AsyncEngine, trips: list[str]
) -> None:
    async with sqlite_engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")
        trips.clear()
        await connection.execute(sa.text("SELECT count(*) FROM item"))
        await connection.commit()
        await connection.execute(sa.text("SELECT count(*) FROM item"))
        await connection.rollback()
        assert len(trips) == 2  # the two selects; nothing to commit or roll back
        await connection.execute(sa.text("INSERT INTO item (name) VALUES ('kept')"))
        await connection.commit()
        await connection.execute(sa.text("INSERT INTO item (name) VALUES ('dropped')"))
        await connection.rollback()
        assert len(trips) == 6  # each write and each end of a write transaction
    async with sqlite_engine.connect() as other:
        names = (await other.execute(sa.text("SELECT name FROM item"))).scalars().all()
    assert names == ["kept"]
