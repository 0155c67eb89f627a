"""The shipped needs taxonomy: load `data/needs.yaml` into taxonomy terms and walk the tree."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
import yaml
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.model_base import UTCDateTime
from providers.models.taxonomy import Taxonomy, TaxonomyTerm

NEEDS_TAXONOMY = "hub-needs"
# Ids are derived from codes so every database (and every demo run) gives a need the same id.
_ID_NAMESPACE = uuid.UUID("8f0c5d1e-2b7a-4c55-9d3e-6a1f0b2c4e77")
_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_OE_URN = "urn:x-openeligibility:"

# Lightweight table clauses: the migration that loads the taxonomy must not depend on how the
# ORM models look in later versions of the code.
_taxonomy = sa.table(
    "taxonomy",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("uri", sa.String),
    sa.column("version", sa.String),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_term = sa.table(
    "taxonomy_term",
    sa.column("id", sa.String),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("parent_id", sa.String),
    sa.column("taxonomy", sa.String),
    sa.column("taxonomy_id", sa.String),
    sa.column("language", sa.String),
    sa.column("term_uri", sa.String),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_TERM_FIELDS = ("name", "description", "parent_id", "taxonomy", "language", "term_uri")


@dataclass(frozen=True, slots=True)
class NeedDefinition:
    """One need as shipped: code, parent code, words, and its Open Eligibility cross-walk."""

    code: str
    name: str
    description: str
    parent_code: str | None
    open_eligibility: str | None

    @property
    def term_uri(self) -> str | None:
        """The cross-walk stored in `term_uri` (an Open Eligibility term, as a URN)."""
        if self.open_eligibility is None:
            return None
        return _OE_URN + re.sub(r"[^a-z0-9]+", "-", self.open_eligibility.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class NeedsDefinition:
    """The whole shipped taxonomy, parents before children."""

    name: str
    description: str
    uri: str | None
    version: str
    language: str
    needs: tuple[NeedDefinition, ...]

    @property
    def top_level(self) -> tuple[NeedDefinition, ...]:
        """Needs without a parent."""
        return tuple(n for n in self.needs if n.parent_code is None)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a load changed."""

    inserted: int
    updated: int
    unchanged: int


def need_id(code: str) -> str:
    """The stable id of a shipped need."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{NEEDS_TAXONOMY}:{code}"))


def taxonomy_id() -> str:
    """The stable id of the needs taxonomy row."""
    return str(uuid.uuid5(_ID_NAMESPACE, NEEDS_TAXONOMY))


def _need(raw: Mapping[str, Any], parent: str | None) -> NeedDefinition:
    code = str(raw["code"])
    if not _CODE.match(code) or (parent is not None and not code.startswith(parent + ".")):
        raise ValueError(f"needs.yaml: bad code {code!r} under {parent!r}")
    oe = raw.get("open_eligibility")
    return NeedDefinition(code, str(raw["name"]), str(raw.get("description", "")), parent, oe)


def parse_needs(text: str) -> NeedsDefinition:
    """Parse and check a needs YAML document."""
    document = yaml.safe_load(text)
    head = document["taxonomy"]
    needs: list[NeedDefinition] = []

    def walk(items: Iterable[Mapping[str, Any]], parent: str | None) -> None:
        for raw in items:
            need = _need(raw, parent)
            needs.append(need)
            walk(raw.get("children") or (), need.code)

    walk(document["terms"], None)
    codes = [n.code for n in needs]
    if len(codes) != len(set(codes)):
        raise ValueError("needs.yaml: duplicate codes")
    return NeedsDefinition(
        name=str(head["name"]),
        description=str(head.get("description", "")).strip(),
        uri=head.get("uri"),
        version=str(head.get("version", "1")),
        language=str(head.get("language", "en")),
        needs=tuple(needs),
    )


@cache
def shipped_needs() -> NeedsDefinition:
    """The needs taxonomy shipped in `providers/data/needs.yaml`."""
    text = resources.files("providers").joinpath("data/needs.yaml").read_text(encoding="utf-8")
    return parse_needs(text)


def open_eligibility_crosswalk() -> dict[str, str]:
    """Map Open Eligibility term names (lower case) to the most specific shipped need code."""
    crosswalk: dict[str, str] = {}
    for need in shipped_needs().needs:  # parents come first, so children win on a shared name
        if need.open_eligibility:
            crosswalk[need.open_eligibility.lower()] = need.code
    return crosswalk


def upsert_needs(
    connection: sa.Connection, *, now: datetime, definition: NeedsDefinition | None = None
) -> LoadResult:
    """Insert or update the needs taxonomy on a synchronous connection (idempotent)."""
    spec = definition or shipped_needs()
    tax_id = connection.execute(
        sa.select(_taxonomy.c.id).where(_taxonomy.c.name == spec.name)
    ).scalar_one_or_none()
    head = {"description": spec.description, "uri": spec.uri, "version": spec.version}
    if tax_id is None:
        tax_id = taxonomy_id() if spec.name == NEEDS_TAXONOMY else str(uuid.uuid4())
        connection.execute(
            _taxonomy.insert().values(
                id=tax_id, name=spec.name, created_at=now, updated_at=now, **head
            )
        )
    else:
        connection.execute(
            _taxonomy.update().where(_taxonomy.c.id == tax_id).values(updated_at=now, **head)
        )
    rows = connection.execute(
        sa.select(_term).where(_term.c.taxonomy_id == tax_id, _term.c.code.is_not(None))
    ).mappings()
    existing = {row["code"]: dict(row) for row in rows}
    ids = {code: row["id"] for code, row in existing.items()}
    inserted = updated = unchanged = 0
    for need in spec.needs:  # parents first, so a parent's id is known before its children
        values = {
            "name": need.name,
            "description": need.description,
            "parent_id": ids[need.parent_code] if need.parent_code else None,
            "taxonomy": spec.name,
            "language": spec.language,
            "term_uri": need.term_uri,
        }
        row = existing.get(need.code)
        if row is None:
            ids[need.code] = need_id(need.code)
            connection.execute(
                _term.insert().values(
                    id=ids[need.code],
                    code=need.code,
                    taxonomy_id=tax_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            inserted += 1
        elif any(row[f] != values[f] for f in _TERM_FIELDS):
            connection.execute(
                _term.update().where(_term.c.id == row["id"]).values(updated_at=now, **values)
            )
            updated += 1
        else:
            unchanged += 1
    return LoadResult(inserted, updated, unchanged)


async def load_needs_taxonomy(*, session: AsyncSession, clock: Clock) -> LoadResult:
    """Insert or update the shipped needs taxonomy in the session's transaction."""
    now = clock.now()
    return await session.run_sync(lambda sync: upsert_needs(sync.connection(), now=now))


async def need_terms(*, session: AsyncSession) -> list[TaxonomyTerm]:
    """Every term of the needs taxonomy, ordered by code."""
    rows = await session.exec(
        select(TaxonomyTerm)
        .join(Taxonomy, col(TaxonomyTerm.taxonomy_id) == col(Taxonomy.id))
        .where(Taxonomy.name == NEEDS_TAXONOMY)
        .order_by(col(TaxonomyTerm.code))
    )
    return list(rows)


def descendants(parents: Mapping[str, str | None], roots: Iterable[str]) -> set[str]:
    """The given keys and every key below them in a child -> parent mapping."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[str] = set()
    stack = [r for r in roots if r in parents]
    while stack:
        key = stack.pop()
        if key not in found:
            found.add(key)
            stack.extend(children.get(key, ()))
    return found


async def need_codes_with_descendants(*, session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """The given need codes plus all their descendants (unknown codes are dropped)."""
    terms = await need_terms(session=session)
    by_id = {t.id: t for t in terms}
    parents = {t.id: t.parent_id for t in terms}
    wanted = set(codes)
    roots = [t.id for t in terms if t.code in wanted]
    return {c for i in descendants(parents, roots) if (c := by_id[i].code) is not None}


async def need_ids_with_descendants(*, session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """Term ids of the given need codes and all their descendants."""
    terms = await need_terms(session=session)
    wanted = set(codes)
    parents = {t.id: t.parent_id for t in terms}
    return descendants(parents, [t.id for t in terms if t.code in wanted])
