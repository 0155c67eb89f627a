"""The embedded backend's result cache: repeated searches are served from it, writes expire it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.models import SearchRequest

NOW = datetime(2026, 11, 23, 22, 0, 17, tzinfo=UTC)


def _doc(
    number: int, org: str = "org-1", org_name: str = "Eastside Pantry", version: int = 1
) -> ServiceDocument:
    return ServiceDocument(
        id=f"svc:{number}",
        version=version,
        service_id=f"s{number}",
        organization_id=org,
        service_name=f"Food pantry {number}",
        organization_name=org_name,
        needs=(NeedRef("food.pantry", "Food pantry", ("food",)),),
        languages=("en",),
        areas=("nation",),
    )


def _request(now: datetime = NOW) -> SearchRequest:
    return SearchRequest(needs=("food",), now=now, stale_before=now - timedelta(days=365))


async def test_writes_expire_cached_results(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    other = EmbeddedBackend(tmp_path / "search.sqlite3")  # another process on the same file
    try:
        await backend.index([_doc(1)])
        first = await backend.search(_request())
        assert first.total == 1
        # Same search a few seconds later: the same minute, so the very same cached page.
        assert await backend.search(_request(NOW + timedelta(seconds=20))) is first
        await other.index([_doc(2, org="org-2", org_name="Westside Pantry")])
        second = await backend.search(_request())
        assert second.total == 2
        orgs = {v.value: (v.label, v.count) for v in second.facets["organizations"]}
        assert orgs == {"org-1": ("Eastside Pantry", 1), "org-2": ("Westside Pantry", 1)}
        # A renamed organization is labelled by its new name; a removed document is gone.
        await other.index([_doc(2, org="org-2", org_name="Westside Food Bank", version=2)])
        await other.delete(["svc:1"])
        third = await backend.search(_request())
        assert third.total == 1
        assert [h.document_id for h in third.hits] == ["svc:2"]
        assert [(v.label, v.count) for v in third.facets["organizations"]] == [
            ("Westside Food Bank", 1)
        ]
    finally:
        await backend.close()
        await other.close()


async def test_cache_can_be_turned_off(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "search.sqlite3", cache_size=0)
    try:
        await backend.index([_doc(1)])
        first = await backend.search(_request())
        again = await backend.search(_request())
        assert again == first
        assert again is not first
    finally:
        await backend.close()
