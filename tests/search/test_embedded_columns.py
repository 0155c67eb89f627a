"""The embedded backend's column store answers searches with no place exactly as its SQL does."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend, columns
from search.embedded.columnar import eligible
from search.models import ProgramFilters, SearchPage, SearchRequest, SortOrder
from tests.search.conftest import in_batches

NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
NEEDS = [
    NeedRef("food.pantry", "Food pantry", ("food",)),
    NeedRef("food.meals", "Free meals", ("food",)),
    NeedRef("housing.shelter", "Emergency shelter", ("housing",)),
    NeedRef("housing.rent", "Rent help", ("housing",)),
    NeedRef("employment.job_search", "Job search", ("employment",)),
    NeedRef("education.ged", "GED classes", ("education",)),
    NeedRef("legal", "Legal aid"),
]
LANGUAGES = ["en", "es", "zh", "vi", "tl"]
WORDS = ["pantry", "shelter", "resume", "ged", "tutoring", "clinic", "meals", "rent", "bus"]
CAPACITY = [None, "capacity", "waitlist", "no-capacity", "additional-assessment-required", "paused"]
MODES = ["in_person", "online", "hybrid", "phone"]


def _document(rng: random.Random, number: int, version: int = 1) -> ServiceDocument:
    # Half the ids share their first 16 bytes: the page order must then come from full ids.
    prefix = "svc:shared-prefix-" if number % 2 else f"svc:{rng.getrandbits(40):010x}-"
    verified = rng.choice([None, NOW - timedelta(days=30), NOW - timedelta(days=400)])
    low = rng.choice([None, None, 0, 5, 18, 60])
    words = " ".join(rng.sample(WORDS, 2))
    return ServiceDocument(
        id=f"{prefix}{number:05d}",
        version=version,
        service_id=f"s{number}",
        organization_id=f"org-{rng.randrange(40)}",  # more than the facet lists
        service_name=f"{words} {number}",
        organization_name=f"Org {rng.randrange(25)}",
        service_description=" ".join(rng.sample(WORDS, 3)),
        needs=tuple(rng.sample(NEEDS, rng.randint(1, 2))),
        languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 3))),
        free=rng.random() < 0.4,
        min_cost=rng.choice([None, 0.0, 5.0, 12.5, 40.0]),
        min_age=low,
        max_age=rng.choice([None, 17, 64]) if low is None or low < 17 else None,
        delivery_mode=rng.choice(MODES),
        accepts_referrals=rng.random() < 0.5,
        open_evenings=rng.random() < 0.3,
        capacity_status=rng.choice(CAPACITY),
        last_verified_at=verified,
        areas=("nation",),
    )


def _requests(rng: random.Random) -> Iterator[SearchRequest]:
    codes = ["food", "housing", "food.pantry", "legal", "education", "no.such.need"]
    for _ in range(40):
        yield SearchRequest(
            text=rng.choice(["", "", "", "pantry", "ged", "she", "rent clinic", "nothing-matches"]),
            needs=tuple(rng.sample(codes, rng.choice([0, 1, 1, 2]))),
            languages=tuple(rng.sample([*LANGUAGES, "xx"], rng.choice([0, 0, 1, 2]))),
            free=rng.random() < 0.2,
            max_cost=rng.choice([None, None, 10.0]),
            age=rng.choice([None, None, 10, 30]),
            delivery_modes=tuple(rng.sample(MODES, rng.choice([0, 0, 2]))),
            accepting_referrals=rng.random() < 0.2,
            capacity=tuple(rng.sample(CAPACITY[1:5], rng.choice([0, 0, 2]))),
            open_evenings=rng.random() < 0.2,
            now=NOW,
            stale_before=rng.choice([None, NOW - timedelta(days=365)]),
            sort=rng.choice([SortOrder.RELEVANCE, SortOrder.RELEVANCE, SortOrder.DISTANCE]),
            first=rng.choice([3, 7, 20]),
            facets=rng.random() < 0.8,
        )


async def _pages(backend: EmbeddedBackend, request: SearchRequest) -> list[SearchPage]:
    """Every page of a search, following the cursors."""
    pages = [await backend.search(request)]
    while pages[-1].next_cursor is not None and len(pages) < 200:
        pages.append(await backend.search(replace(request, after=pages[-1].next_cursor)))
    return pages


async def _agree(backends: Sequence[EmbeddedBackend], sql: EmbeddedBackend, seed: int) -> int:
    """Every backend pages through every request exactly as the SQL path does."""
    compared = 0
    for request in _requests(random.Random(seed)):
        assert eligible(request)
        expected = await _pages(sql, request)
        for backend in backends:
            assert await _pages(backend, request) == expected, request
        compared += sum(len(page.hits) for page in expected)
    return compared


@pytest.fixture(params=["default chunks", "small chunks"])
def chunks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default chunk sizes, or tiny ones: the test directory then spans many chunks."""
    if request.param == "small chunks":
        for name, value in (("CHUNK_SHIFT", 5), ("BITS_SHIFT", 6)):
            monkeypatch.setattr(columns, name, value)
        monkeypatch.setattr(columns, "CHUNK", 1 << 5)
        monkeypatch.setattr(columns, "BITS_CHUNK", 1 << 6)


@pytest.mark.usefixtures("chunks")
async def test_column_searches_match_sql_through_writes_and_rebuilds(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "search.sqlite3"
    sql = EmbeddedBackend(path, cache_size=0, columnar=False)
    kept = EmbeddedBackend(path, cache_size=0)  # loads once, then only changed chunks
    try:
        docs = [_document(rng, n) for n in range(600)]
        for start in range(0, len(docs), 150):
            await kept.index(docs[start : start + 150])
        assert await _agree([kept], sql, seed=1) > 500
        # Replace some documents (same rowids), delete others, add new ones.
        changed = [_document(rng, n, version=2) for n in rng.sample(range(600), 120)]
        await kept.index(changed)
        await sql.delete([d.id for d in rng.sample(docs, 80)])
        await sql.index([_document(rng, n) for n in range(600, 700)])
        fresh = EmbeddedBackend(path, cache_size=0)  # loads everything at once
        try:
            assert await _agree([kept, fresh], sql, seed=2) > 500
        finally:
            await fresh.close()
        # A rebuild renumbers every document: a store loaded before it starts over.
        await sql.rebuild(in_batches([_document(rng, n, version=3) for n in range(0, 700, 3)], 97))
        assert await _agree([kept], sql, seed=3) > 200
    finally:
        await sql.close()
        await kept.close()


async def test_requests_with_a_place_open_now_or_program_facts_go_to_sql() -> None:
    base = SearchRequest(needs=("food",), now=NOW)
    assert eligible(base)
    assert eligible(replace(base, text="pantry", program=ProgramFilters()))
    assert not eligible(replace(base, open_now=True))
    assert not eligible(replace(base, program=ProgramFilters(credential="CDL")))
    from search.models import GeoPoint

    assert not eligible(replace(base, point=GeoPoint(37.8, -122.2), radius_km=10.0))
