"""The shipped needs taxonomy: loaded by migration, idempotent, searchable by parent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import FixedClock
from providers.models import Taxonomy, TaxonomyTerm
from providers.needs_taxonomy import (
    NEEDS_TAXONOMY,
    descendants,
    load_needs_taxonomy,
    need_codes_with_descendants,
    need_id,
    need_ids_with_descendants,
    need_terms,
    open_eligibility_crosswalk,
    parse_needs,
    shipped_needs,
)

CLOCK = FixedClock(datetime(2026, 11, 1, tzinfo=UTC))
REQUIRED_TOP_LEVEL = {
    "food", "housing", "childcare", "transportation", "health", "mental_health",
    "substance_use", "legal", "benefits", "financial", "utilities", "digital_access",
    "work_supplies", "adult_education", "training", "employment", "disability",
    "immigration", "reentry", "veterans", "youth_family",
}  # fmt: skip


def test_shipped_file_has_the_promised_needs() -> None:
    spec = shipped_needs()
    top = {n.code for n in spec.top_level}
    assert spec.name == NEEDS_TAXONOMY
    assert len(top) >= 22
    assert top >= REQUIRED_TOP_LEVEL
    for parent in spec.top_level:
        children = [n for n in spec.needs if n.parent_code == parent.code]
        assert len(children) >= 3, parent.code
    assert open_eligibility_crosswalk()["food pantry"] == "food.pantry"


def test_parse_refuses_a_child_outside_its_parent() -> None:
    text = (
        "taxonomy: {name: t}\nterms:\n- code: food\n  name: Food\n"
        "  children:\n  - {code: housing.x, name: X}\n"
    )
    with pytest.raises(ValueError, match="bad code"):
        parse_needs(text)


async def test_migration_loaded_every_need_with_parents(session: AsyncSession) -> None:
    terms = await need_terms(session=session)
    by_code = {t.code: t for t in terms}
    assert set(by_code) == {n.code for n in shipped_needs().needs}
    assert by_code["childcare.subsidy"].parent_id == by_code["childcare"].id
    assert by_code["food"].parent_id is None
    assert by_code["food.pantry"].id == need_id("food.pantry")
    assert by_code["food.pantry"].term_uri == "urn:x-openeligibility:food-pantry"


async def test_load_is_idempotent_and_repairs_edits(session: AsyncSession) -> None:
    term = await session.get(TaxonomyTerm, need_id("food.pantry"))
    assert term is not None
    term.name = "Edited"
    session.add(term)
    await session.commit()
    result = await load_needs_taxonomy(session=session, clock=CLOCK)
    await session.commit()
    assert (result.inserted, result.updated) == (0, 1)
    assert result.unchanged == len(shipped_needs().needs) - 1
    count = await session.exec(select(func.count()).select_from(TaxonomyTerm))
    assert count.one() == len(shipped_needs().needs)
    taxonomies = await session.exec(select(Taxonomy).where(Taxonomy.name == NEEDS_TAXONOMY))
    assert len(list(taxonomies)) == 1
    session.expire_all()
    refreshed = await session.get(TaxonomyTerm, need_id("food.pantry"))
    assert refreshed is not None
    assert refreshed.name == "Food pantry"


async def test_searching_a_parent_includes_its_children(session: AsyncSession) -> None:
    codes = await need_codes_with_descendants(session=session, codes=["food", "legal.aid", "nope"])
    assert {"food", "food.pantry", "legal.aid"} <= codes
    assert not {"legal", "nope"} & codes
    ids = await need_ids_with_descendants(session=session, codes=["housing"])
    assert need_id("housing.shelter") in ids
    assert need_id("food") not in ids


def test_descendants_walks_deep_trees_and_ignores_unknown_roots() -> None:
    tree = {"a": None, "a.b": "a", "a.b.c": "a.b", "d": None}
    assert descendants(tree, ["a", "zzz"]) == {"a", "a.b", "a.b.c"}
