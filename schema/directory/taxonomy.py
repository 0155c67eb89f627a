"""GraphQL types of taxonomy terms (needs) and their tree."""

from __future__ import annotations

import strawberry

from providers import batch, queries
from providers import models as m
from schema.context import Info
from schema.directory.base import from_row
from schema.relay import Node, register_node


@strawberry.type(description="A term of a taxonomy, e.g. a need like `food.pantry`.")
class TaxonomyTerm(Node):
    row: strawberry.Private[m.TaxonomyTerm]
    code: str | None
    name: str
    description: str
    taxonomy: str | None
    language: str | None
    term_uri: str | None

    @strawberry.field(description="The broader term, if any.")
    async def parent(self, info: Info) -> TaxonomyTerm | None:
        if self.row.parent_id is None:
            return None
        row = await info.context.loaders.get(batch.term_by_id).load(self.row.parent_id)
        return term(row) if row is not None else None

    @strawberry.field(description="Narrower terms; searching this term includes them.")
    async def children(self, info: Info) -> list[TaxonomyTerm]:
        rows = await info.context.loaders.get(batch.children_by_term).load(self.row.id)
        return [term(r) for r in rows]


def term(row: m.TaxonomyTerm) -> TaxonomyTerm:
    """Wrap a term row."""
    return from_row(TaxonomyTerm, row)


async def _fetch(info: Info, ident: str) -> TaxonomyTerm | None:
    row = await info.context.loaders.get(batch.term_by_id).load(ident)
    return term(row) if row is not None else None


register_node("TaxonomyTerm", _fetch)


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(
        description="Terms of a taxonomy (default: needs): top level, or children of `parentCode`."
    )
    async def taxonomy_terms(
        self, info: Info, parent_code: str | None = None, taxonomy: str | None = None
    ) -> list[TaxonomyTerm]:
        async with info.context.session() as session:
            rows = await queries.list_terms(
                session=session, parent_code=parent_code, taxonomy=taxonomy
            )
        return [term(r) for r in rows]
