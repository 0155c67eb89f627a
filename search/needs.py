"""The taxonomy tree as search sees it: each term's code, name and ancestor codes."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import TaxonomyTerm
from search.document import NeedRef


@dataclass(frozen=True, slots=True)
class NeedTree:
    """Terms by id with their ancestors, loaded once per indexing run or search."""

    by_id: dict[str, NeedRef]
    names: dict[str, str]

    def refs(self, term_ids: Iterable[str]) -> tuple[NeedRef, ...]:
        """NeedRefs of the given term ids (unknown ids and code-less terms are skipped)."""
        found = [self.by_id[i] for i in term_ids if i in self.by_id]
        return tuple(sorted(found, key=lambda n: n.code))

    def known(self, codes: Iterable[str]) -> set[str]:
        """The subset of codes that name a term."""
        return {c for c in codes if c in self.names}

    def label(self, code: str) -> str:
        """The display name of a code (the code itself when unknown)."""
        return self.names.get(code, code)


def build_tree(rows: Iterable[tuple[str, str | None, str, str | None]]) -> NeedTree:
    """Build the tree from (id, code, name, parent_id) rows."""
    terms = {row[0]: row for row in rows}
    by_id: dict[str, NeedRef] = {}
    names: dict[str, str] = {}
    for term_id, code, name, _parent in terms.values():
        if not code:
            continue
        ancestors: list[str] = []
        seen = {term_id}
        parent = terms[term_id][3]
        while parent is not None and parent in terms and parent not in seen:
            seen.add(parent)
            parent_code = terms[parent][1]
            if parent_code:
                ancestors.append(parent_code)
            parent = terms[parent][3]
        by_id[term_id] = NeedRef(code=code, name=name, ancestors=tuple(reversed(ancestors)))
        names[code] = name
    return NeedTree(by_id=by_id, names=names)


async def load_tree(session: AsyncSession) -> NeedTree:
    """Load every taxonomy term's code, name and parent."""
    rows = await session.exec(
        select(TaxonomyTerm.id, TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.parent_id)
    )
    return build_tree(rows.all())


# Terms change rarely; searches are many. Keyed by database URL; index sync forgets on change.
TREE_TTL_SECONDS = 60.0
_TREES: dict[str, tuple[float, NeedTree]] = {}


async def cached_tree(session: AsyncSession) -> NeedTree:
    """The tree, loaded at most once a minute per database."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine):
        return await load_tree(session)
    key = str(bind.url)
    found = _TREES.get(key)
    now = time.monotonic()
    if found is not None and now - found[0] < TREE_TTL_SECONDS:
        return found[1]
    tree = await load_tree(session)
    _TREES[key] = (now, tree)
    return tree


def forget_trees() -> None:
    """Drop cached trees (after taxonomy changes)."""
    _TREES.clear()
