"""An index file of an older layout is recreated empty (with a warning) and can be refilled."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.embedded.schema import SCHEMA_VERSION
from search.models import SearchRequest


async def test_an_older_layout_is_recreated_and_refilled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "search.sqlite3"
    old = sqlite3.connect(path)
    # Layout 3 had no facet codes: its doc rows cannot be searched by this version.
    old.execute("CREATE TABLE doc (rowid INTEGER PRIMARY KEY, id TEXT, org_no INTEGER)")
    old.execute("INSERT INTO doc (id, org_no) VALUES ('sal:old', 1)")
    old.execute("PRAGMA user_version = 3")
    old.commit()
    old.close()
    backend = EmbeddedBackend(path)
    try:
        with caplog.at_level(logging.WARNING, logger="search.embedded.store"):
            assert await backend.count() == 0
        assert f"search index layout 3 is not {SCHEMA_VERSION}: recreated empty" in caplog.text
        doc = ServiceDocument(
            id="svc:1",
            version=1,
            service_id="s1",
            organization_id="o1",
            service_name="Pantry",
            organization_name="Food Bank",
            needs=(NeedRef("food.pantry", "Food pantry", ("food",)),),
            languages=("en",),
            areas=("nation",),
        )
        await backend.index([doc])
        page = await backend.search(SearchRequest(needs=("food",)))
        assert [h.document_id for h in page.hits] == ["svc:1"]
        assert [(v.value, v.count) for v in page.facets["needs"]] == [
            ("food", 1),
            ("food.pantry", 1),
        ]
    finally:
        await backend.close()
    reopened = sqlite3.connect(path)
    assert reopened.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    reopened.close()
