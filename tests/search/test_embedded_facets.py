"""The embedded backend's facet codes: encoded per document, counted over a match at once."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from search.document import NeedRef, ServiceDocument
from search.embedded import EmbeddedBackend
from search.embedded.facets import FACET_KINDS, Kind, count, encode, top
from search.models import SearchRequest


def test_codes_of_many_documents_count_per_kind() -> None:
    blob = b"".join(
        [
            encode([(Kind.NEED, 3), (Kind.NEED, 7), (Kind.LANGUAGE, 1), (Kind.ORGANIZATION, 900)]),
            encode([(Kind.NEED, 7), (Kind.LANGUAGE, 2), (Kind.ORGANIZATION, 5)]),
            encode([(Kind.NEED, 7), (Kind.LANGUAGE, 2), (Kind.MODE, 4), (Kind.ORGANIZATION, 5)]),
        ]
    )
    counted = count(blob)
    assert counted[Kind.NEED].numbers == (7, 3)
    assert counted[Kind.NEED].counts == (3, 1)
    # Ties go to the lower number; a kind nobody has is empty.
    assert counted[Kind.ORGANIZATION].numbers == (5, 900)
    assert counted[Kind.LANGUAGE].counts == (2, 1)
    assert counted[Kind.MODE].numbers == (4,)
    assert count(None)[Kind.NEED].numbers == ()


def test_large_match_sets_count_the_same_as_small_ones() -> None:
    rng = random.Random(3)
    docs = [
        [(Kind.NEED, rng.randrange(150)) for _ in range(3)]
        + [(Kind.LANGUAGE, rng.randrange(8)), (Kind.ORGANIZATION, rng.randrange(5000))]
        for _ in range(3000)
    ]
    counted = count(b"".join(encode(codes) for codes in docs))  # 60 kB: the numpy path
    for kind in FACET_KINDS.values():
        expected = Counter(number for codes in docs for k, number in codes if k == kind)
        ordered = sorted(expected.items(), key=lambda pair: (-pair[1], pair[0]))
        assert list(zip(counted[kind].numbers, counted[kind].counts, strict=True)) == ordered


def test_top_orders_by_count_then_label_and_cuts() -> None:
    counted = count(encode([(Kind.NEED, 1), (Kind.NEED, 2), (Kind.NEED, 3), (Kind.NEED, 3)]))
    labels = {1: "legal", 2: "food", 3: "housing"}
    assert top(counted[Kind.NEED], labels, 2) == [("housing", 2), ("food", 1)]


def _doc(
    number: int, languages: tuple[str, ...], need: str = "employment.job_search"
) -> ServiceDocument:
    return ServiceDocument(
        id=f"svc:{number}",
        version=1,
        service_id=f"s{number}",
        organization_id=f"org-{number % 3}",
        service_name=f"Job help {number}",
        organization_name=f"Career Center {number % 3}",
        needs=(NeedRef(need, "Job search", (need.split(".")[0],)),),
        languages=languages,
        delivery_mode="online" if number % 2 else "in_person",
        areas=("nation",),
    )


async def test_language_filters_past_the_mask_bits_stay_exact(tmp_path: Path) -> None:
    # 70 languages: the first 62 get a mask bit, the rest share one and are probed instead.
    names = [f"x{n:02d}" for n in range(70)]
    docs = [_doc(n, ("en", names[n])) for n in range(70)]
    docs += [_doc(100, ("en", "x65", "x01")), _doc(101, ("x01",), need="food.pantry")]
    backend = EmbeddedBackend(tmp_path / "search.sqlite3", cache_size=0)
    try:
        await backend.index(docs)
        for wanted, expected in (
            (("x01",), {"svc:1", "svc:100"}),
            (("x65",), {"svc:65", "svc:100"}),
            (("x65", "x03"), {"svc:65", "svc:100", "svc:3"}),
            (("x64", "x66"), {"svc:64", "svc:66"}),
            (("zz",), set()),
        ):
            page = await backend.search(SearchRequest(needs=("employment",), languages=wanted))
            assert {h.document_id for h in page.hits} == expected, wanted
            assert page.total == len(expected)
            languages = {v.value: v.count for v in page.facets["languages"]}
            assert all(
                languages[w] == sum(w in d.languages for d in docs if d.id in expected)
                for w in wanted
                if expected
            )
            assert sum(v.count for v in page.facets["delivery_modes"]) == page.total
            assert sum(v.count for v in page.facets["organizations"]) == page.total
        # Two needs: the need rows are read through an IN list, languages still by mask.
        either = await backend.search(
            SearchRequest(needs=("employment", "food"), languages=("x01",))
        )
        assert {h.document_id for h in either.hits} == {"svc:1", "svc:100", "svc:101"}
        everything = await backend.search(SearchRequest(needs=("employment",)))
        assert everything.total == 71
        needs = {v.value: v.count for v in everything.facets["needs"]}
        assert needs == {"employment": 71, "employment.job_search": 71}
        assert {v.value: v.count for v in everything.facets["languages"]}["en"] == 71
    finally:
        await backend.close()
