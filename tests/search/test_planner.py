"""The planner's ways to a search of needs or words within a radius give the same pages."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend, planner
from search.models import GeoPoint, PlaceContext, SearchPage, SearchRequest, SortOrder
from tests.search.conftest import in_batches

NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # a Monday, 2 pm in Oakland
CENTER = (37.78, -122.22)
NEEDS = [
    NeedRef("food.pantry", "Food pantry", ("food",)),
    NeedRef("food.meals", "Free meals", ("food",)),
    NeedRef("housing.shelter", "Emergency shelter", ("housing",)),
    NeedRef("legal", "Legal aid"),
    NeedRef("substance_use.detox", "Detox", ("substance_use",)),
]
AREAS = [("nation",), ("zip:94601",), ("county:CA:alameda county",), ("state:CA",), ("zip:10001",)]
LANGUAGES = ["en", "es", "zh", "vi"]


def _document(rng: random.Random, number: int) -> ServiceDocument:
    placed = rng.random() < 0.85
    spread = rng.choice([0.05, 0.5, 3.0])  # a city, a region, half the state
    return ServiceDocument(
        id=f"sal:{rng.getrandbits(24):06x}-{number:05d}",
        version=1,
        service_id=f"s{number}",
        organization_id=f"org-{number % 13}",
        service_name=f"Service {number}",
        organization_name=f"Org {number % 13}",
        needs=tuple(rng.sample(NEEDS, rng.randint(1, 2))),
        languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 2))),
        free=rng.random() < 0.5,
        capacity_status=rng.choice([None, "capacity", "waitlist"]),
        last_verified_at=rng.choice([None, NOW - timedelta(days=20), NOW - timedelta(days=500)]),
        timezone_name="America/Los_Angeles",
        open_spans=((rng.choice([0, 1440, 1980]), 2200),) if rng.random() < 0.6 else (),
        latitude=CENTER[0] + rng.uniform(-spread, spread) if placed else None,
        longitude=CENTER[1] + rng.uniform(-spread, spread) if placed else None,
        areas=() if placed else rng.choice(AREAS),
    )


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[EmbeddedBackend]:
    """1,500 documents: a city's, a region's and a state's, some serving areas only."""
    rng = random.Random(23)
    docs = [_document(rng, n) for n in range(1500)]
    made = EmbeddedBackend(tmp_path / "search.sqlite3", cache_size=0)
    await made.rebuild(in_batches(docs, 250))
    yield made
    await made.close()


def _requests() -> list[SearchRequest]:
    rng = random.Random(8)
    codes = ["food", "food.pantry", "housing", "legal", "substance_use.detox", "no.such"]
    words = ["", "", "", "food", "detox", "service 1", "pantry shelter", "org", "legal aid"]
    requests = []
    for _ in range(90):
        requests.append(
            SearchRequest(
                text=rng.choice(words),
                needs=tuple(rng.sample(codes, rng.choice([0, 1, 1, 2]))),
                point=GeoPoint(CENTER[0] + rng.uniform(-1, 1), CENTER[1] + rng.uniform(-1, 1)),
                place=rng.choice(
                    [
                        PlaceContext("94601", "Alameda County", "CA"),
                        PlaceContext("94110", "San Francisco County", "CA"),
                        None,
                    ]
                ),
                radius_km=rng.choice([2.0, 10.0, 40.0, 150.0, 400.0]),
                languages=tuple(rng.sample([*LANGUAGES, "xx"], rng.choice([0, 0, 1, 2]))),
                free=rng.random() < 0.3,
                open_now=rng.random() < 0.3,
                now=NOW,
                stale_before=NOW - timedelta(days=365),
                sort=rng.choice([SortOrder.RELEVANCE, SortOrder.DISTANCE]),
                first=rng.choice([4, 20]),
            )
        )
    return requests


async def _all_pages(backend: EmbeddedBackend, request: SearchRequest) -> list[SearchPage]:
    """Every page of a search, following its cursors."""
    pages = [await backend.search(request)]
    while pages[-1].next_cursor is not None and len(pages) < 40:
        pages.append(await backend.search(replace(request, after=pages[-1].next_cursor)))
    return pages


async def test_words_or_needs_first_equals_places_first(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Totals, facets, hits, scores, distances and every page after a cursor are the same."""
    requests = _requests()
    monkeypatch.setattr(planner, "set_first", lambda *args: False)
    by_place = [await _all_pages(backend, r) for r in requests]
    monkeypatch.setattr(planner, "set_first", lambda *args: True)
    by_needs = [await _all_pages(backend, r) for r in requests]
    for request, place, needs in zip(requests, by_place, by_needs, strict=True):
        assert needs == place, request
    # Words or needs in every search but a few (those have one way only).
    assert sum(bool(r.text or r.needs) for r in requests) > 80
    assert sum(pages[0].total for pages in by_place) > 500  # the searches found plenty
    assert sum(len(pages) > 1 for pages in by_place) > 10  # and paged


async def test_the_planner_reads_the_smaller_side(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare need or word across a wide radius starts from itself, a common one nearby from
    the place."""
    chosen: list[bool] = []
    set_first = planner.set_first

    def spied(*args: object) -> bool:
        chosen.append(set_first(*args))  # type: ignore[arg-type]
        return chosen[-1]

    monkeypatch.setattr(planner, "set_first", spied)
    wide = SearchRequest(
        needs=("substance_use.detox",), point=GeoPoint(*CENTER), radius_km=400.0, now=NOW
    )
    near = SearchRequest(needs=("food",), point=GeoPoint(*CENTER), radius_km=2.0, now=NOW)
    rare_word = replace(wide, needs=(), text="12")  # Service 12, 120-129, 1200-1299
    common_word = replace(near, needs=(), text="service")
    for request in (wide, near, rare_word, common_word):
        assert (await backend.search(request)).total > 0
    assert chosen == [True, False, True, False]
