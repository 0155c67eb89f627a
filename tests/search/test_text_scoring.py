"""Text within a radius scored in Python (`textscore.py`) gives FTS5's bm25 to the last bit."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend, planner, textscore
from search.models import GeoPoint, PlaceContext, SearchPage, SearchRequest
from tests.search.conftest import in_batches

CENTER = (37.78, -122.22)
# Words that stem alike, prefixes of one another, diacritics, digits, a long token, a word FTS5
# splits ("e_mail"), and plenty of filler so documents differ in length.
VOCABULARY = [
    "train", "training", "trainer", "trains", "job", "jobs", "jobless", "happy", "happiness",
    "café", "Cafe", "naïve", "résumé", "401k", "e_mail", "ged", "GED", "childcare", "child",
    "care", "x" * 70, "help", "housing", "rent", "food", "pantry", "legal", "aid",
]  # fmt: skip
FILLER = ["the", "and", "for", "with", "people", "county", "services", "free", "weekly"]
QUERIES = [
    "job training", "train training", "job jobs", "happy", "café", "cafe resume", "401k",
    "e_mail", "child care", "GED", "ca", "x" * 70, "trainer happiness", "legal aid help",
    "naive", "nothing",
]  # fmt: skip


def _text(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(VOCABULARY if rng.random() < 0.4 else FILLER) for _ in range(words)]
    return " ".join(chosen)


def _document(rng: random.Random, number: int) -> ServiceDocument:
    lat = CENTER[0] + rng.uniform(-0.6, 0.6)
    lon = CENTER[1] + rng.uniform(-0.6, 0.6)
    description = _text(rng, rng.randint(0, 60))
    if number == 7:
        # The marker characters themselves in a listing: such rows must be left to FTS5.
        description += " job \x1dtraining\x1e café"
    return ServiceDocument(
        id=f"sal:{number:05d}",
        version=1,
        service_id=f"s{number}",
        organization_id=f"org-{number % 9}",
        service_name=_text(rng, rng.randint(1, 5)),
        organization_name=_text(rng, rng.randint(1, 4)),
        program_name=_text(rng, rng.randint(0, 3)),
        service_description=description,
        needs=(NeedRef("employment.training", _text(rng, 2), ("employment",)),),
        capacity_status=rng.choice([None, "capacity", "waitlist"]),
        latitude=lat,
        longitude=lon,
        postal_code="94601",
    )


def _far(number: int) -> ServiceDocument:
    """A New York listing holding the commoner word of the planner's test."""
    return ServiceDocument(
        id=f"sal:far{number:05d}",
        version=1,
        service_id=f"far{number}",
        organization_id="org-far",
        service_name="trainer",
        organization_name="Far away",
        latitude=40.7 + number / 100_000,
        longitude=-74.0,
    )


async def _index(tmp_path: Path, docs: list[ServiceDocument]) -> EmbeddedBackend:
    made = EmbeddedBackend(tmp_path / "search.sqlite3", cache_size=0)
    await made.rebuild(in_batches(docs, 100))
    return made


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[EmbeddedBackend]:
    """An index of 600 documents around Oakland, with varied text."""
    rng = random.Random(19)
    made = await _index(tmp_path, [_document(rng, n) for n in range(600)])
    yield made
    await made.close()


def _requests() -> list[SearchRequest]:
    rng = random.Random(4)
    requests = []
    for text in QUERIES:
        for _ in range(4):
            point = GeoPoint(CENTER[0] + rng.uniform(-0.3, 0.3), CENTER[1] + rng.uniform(-0.3, 0.3))
            requests.append(
                SearchRequest(
                    text=text,
                    point=point,
                    place=PlaceContext(postal_code="94601"),
                    radius_km=rng.choice([5.0, 15.0, 40.0, 100.0]),
                    first=rng.choice([5, 20]),
                )
            )
    return requests


async def _pages(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch, row_cost: int
) -> list[SearchPage]:
    monkeypatch.setattr(planner, "ROW_COST_IN_POSTINGS", row_cost)
    return [await backend.search(request) for request in _requests()]


async def test_python_scores_equal_fts5_bm25(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page (hits, scores, highlights, totals, facets, cursors) is the same either way."""
    calls: list[bool] = []
    score_rows = textscore.score_rows

    def counted(*args: object) -> list[textscore.Scored] | None:
        scored = score_rows(*args)  # type: ignore[arg-type]
        calls.append(scored is not None)
        return scored

    monkeypatch.setattr(textscore, "score_rows", counted)
    by_fts5 = await _pages(backend, monkeypatch, 10**12)  # never cheaper in Python
    assert calls == []
    in_python = await _pages(backend, monkeypatch, 0)  # always cheaper in Python
    assert sum(calls) >= 40  # most searches were scored in Python ...
    assert calls.count(False) >= 4  # ... "e_mail" and the marked listing went to FTS5
    assert any(page.hits and page.hits[0].highlights for page in by_fts5)
    for request, fts5, python in zip(_requests(), by_fts5, in_python, strict=True):
        assert python == fts5, request
        # Exactly equal doubles, not merely close ones: cursors carry them.
        assert [h.score for h in python.hits] == [h.score for h in fts5.hits]


async def test_the_planner_leaves_many_matches_to_fts5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A radius holding many of the words' matches is scored by FTS5; one holding few of the
    country's many matches, in Python."""
    rng = random.Random(19)
    docs = [_document(rng, n) for n in range(600)] + [_far(n) for n in range(5000)]
    backend = await _index(tmp_path, docs)
    calls: list[str] = []
    score_rows = textscore.score_rows

    def counted(*args: object) -> list[textscore.Scored] | None:
        calls.append("python")
        return score_rows(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(textscore, "score_rows", counted)
    wide = SearchRequest(text="the", point=GeoPoint(*CENTER), place=PlaceContext(), radius_km=200.0)
    page = await backend.search(wide)
    assert page.total > 300
    assert calls == []
    narrow = SearchRequest(
        text="trainer happiness", point=GeoPoint(*CENTER), place=PlaceContext(), radius_km=15.0
    )
    page = await backend.search(narrow)
    assert page.total > 0
    assert calls == ["python"]
    await backend.close()


def test_varints_read_fts5_records() -> None:
    """One- to nine-byte varints, as SQLite writes them."""
    assert textscore.varints(bytes([0x03, 0x81, 0x00, 0xFF, 0x7F])) == [3, 128, 16383]
    nine = bytes([0xFF] * 8 + [0xAB])
    assert textscore.varints(nine) == [(2**56 - 1) << 8 | 0xAB]


async def test_highlights_by_lookup_equal_one_pass(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words of two or three letters are highlighted by rowid lookups, with the same marks."""
    requests = [SearchRequest(text=text, first=20) for text in ("ged", "ca", "job", "care aid")]
    looked_up = [await backend.search(r) for r in requests]
    prefix_indexed = textscore.prefix_indexed
    monkeypatch.setattr(textscore, "prefix_indexed", lambda connection, expression: False)
    one_pass = [await backend.search(r) for r in requests]
    assert looked_up == one_pass
    assert all(page.hits and page.hits[0].highlights for page in looked_up)
    with backend.pool.reader() as connection:
        connection.execute("BEGIN")
        assert prefix_indexed(connection, '"ged"*')
        assert prefix_indexed(connection, '"Job"* "ca"*')
        assert not prefix_indexed(connection, '"training"*')  # "train": 5 letters
        assert not prefix_indexed(connection, '"x"*')  # no list of 1-letter prefixes
        connection.execute("ROLLBACK")
