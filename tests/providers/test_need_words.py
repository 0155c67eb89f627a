"""Need names in English and Spanish, and typed words resolved to need codes."""

from __future__ import annotations

import pytest

from providers.need_words import (
    fold,
    match_needs,
    need_choices,
    need_label,
    need_words,
    resolve_need,
)
from providers.needs_taxonomy import shipped_needs


def test_every_shipped_need_has_a_spanish_name() -> None:
    words = need_words()
    assert set(words) == {n.code for n in shipped_needs().needs}
    missing = [code for code, w in words.items() if "es" not in w.names]
    assert not missing
    assert need_label("childcare", "es") == "Cuidado infantil"
    assert need_label("childcare", "fr") == "Childcare"  # English when there is no such name
    assert need_label("no.such", "es") == "no.such"
    assert need_choices("es")[0] == ("food", "Alimentos")


@pytest.mark.parametrize(
    "typed",
    [
        "child care",
        "Child Care",
        "guardería",
        "GUARDERIA",
        "daycare",
        "Cuidado infantil",
        "childcare",
    ],
)
def test_words_in_either_language_find_childcare(typed: str) -> None:
    assert resolve_need(typed) == "childcare"
    assert match_needs(typed)[0].code == "childcare"


def test_partial_and_ambiguous_words() -> None:
    assert fold("  ¡Guardería, por favor! ") == "guarderia por favor"
    # A prefix of several names offers them all, exact ones first; no single need is picked.
    found = match_needs("rent")
    assert [m.code for m in found][:1] == ["housing.rent_assistance"]
    assert resolve_need("terapia") is None  # two needs call themselves this
    assert {m.code for m in match_needs("terapia") if m.exact} == {
        "mental_health",
        "mental_health.counseling",
    }
    assert match_needs("zzzz") == []
    assert match_needs("") == []
    assert match_needs("x" * 10_000) == []
    assert match_needs("guardería", "es")[0].label == "Cuidado infantil"
