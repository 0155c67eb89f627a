"""The words people use for needs: English and Spanish names and synonyms, and typed-word lookup.

`providers/data/needs_words.yaml` gives each shipped need a Spanish name and the other words
coaches type for it ("child care", "guardería" -> `childcare`). Matching ignores case, accents
and punctuation, so "Guarderia" finds what "guardería" finds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from providers.needs_taxonomy import shipped_needs

# Typed text longer than any name or synonym cannot match one; it is cut before comparing.
MAX_TYPED_LENGTH = 100
# How many needs a partial match offers at most.
MAX_SUGGESTIONS = 8


def fold(text: str) -> str:
    """Lower case without accents or punctuation, spaces collapsed ("Guardería!" -> "guarderia")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass(frozen=True, slots=True)
class NeedWords:
    """One need's names and synonyms."""

    code: str
    names: dict[str, str]
    words: tuple[str, ...]

    def label(self, language: str) -> str:
        """The name in `language` (English when there is none in it)."""
        return self.names.get(language) or self.names["en"]

    def folded(self) -> tuple[str, ...]:
        """Every name and word, folded, for matching."""
        return tuple(fold(w) for w in (*self.names.values(), *self.words, self.code))


@dataclass(frozen=True, slots=True)
class NeedMatch:
    """A need found for typed words; `exact` when the words were one of its names or synonyms."""

    code: str
    label: str
    exact: bool


@cache
def need_words() -> dict[str, NeedWords]:
    """Every shipped need's words by code, in taxonomy order (parents before children)."""
    text = resources.files("providers").joinpath("data/needs_words.yaml").read_text("utf-8")
    extra = yaml.safe_load(text) or {}
    found: dict[str, NeedWords] = {}
    for need in shipped_needs().needs:
        entry = extra.get(need.code) or {}
        names = {"en": need.name}
        if entry.get("es"):
            names["es"] = str(entry["es"])
        words = tuple(str(w) for w in entry.get("words") or ())
        found[need.code] = NeedWords(code=need.code, names=names, words=words)
    return found


def need_label(code: str, language: str) -> str:
    """The display name of a need code in a language (the code itself when unknown)."""
    words = need_words().get(code)
    return words.label(language) if words else code


def need_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) of every shipped need, in taxonomy order, named in `language`."""
    return [(code, words.label(language)) for code, words in need_words().items()]


@cache
def _folded_index() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((code, words.folded()) for code, words in need_words().items())


def match_needs(text: str, language: str = "en") -> list[NeedMatch]:
    """Needs whose names or synonyms (either language) match typed words, best first.

    An exact name, synonym or code comes first; then names and words that start with the
    typed words, then those that contain them (at least three letters), each in taxonomy order.
    """
    wanted = fold(text[:MAX_TYPED_LENGTH])
    if not wanted:
        return []
    ranked: list[tuple[int, int, str]] = []
    for position, (code, folded) in enumerate(_folded_index()):
        rank = None
        if wanted in folded:
            rank = 0
        elif any(w.startswith(wanted) for w in folded):
            rank = 1
        elif len(wanted) >= 3 and any(wanted in w for w in folded):
            rank = 2
        if rank is not None:
            ranked.append((rank, position, code))
    ranked.sort()
    return [
        NeedMatch(code=code, label=need_label(code, language), exact=rank == 0)
        for rank, _, code in ranked[:MAX_SUGGESTIONS]
    ]


def resolve_need(text: str) -> str | None:
    """The one need typed words name: a code, or an exact name or synonym; else None."""
    matches = match_needs(text)
    exact = [m for m in matches if m.exact]
    if len(exact) == 1:
        return exact[0].code
    if not exact and len(matches) == 1:
        return matches[0].code
    return None
