"""Cross-walk a source taxonomy (AIRS, a package's own terms) to the hub's needs taxonomy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.records import InternalRef, Record
from importers.sql import execute
from providers.models import Taxonomy, TaxonomyTerm

NEEDS_TAXONOMY = "hub-needs"
MAPPINGS_DIR = Path(__file__).parent / "mappings"


@dataclass
class Crosswalk:
    """Maps source term codes to needs codes, exactly or by the longest matching code prefix."""

    terms: dict[str, str]
    prefix: bool = True
    needs_ids: dict[str, str] = field(default_factory=dict)
    unknown_needs: set[str] = field(default_factory=set)
    _codes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> Crosswalk:
        """Read a mapping file: `match: prefix|exact` and `terms: {source code: needs code}`."""
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        terms = {str(k).strip(): str(v).strip() for k, v in (data.get("terms") or {}).items()}
        return cls(terms=terms, prefix=data.get("match", "prefix") == "prefix")

    async def load(self, session: AsyncSession) -> None:
        """Look up the needs terms the mapping names (they are loaded by a migration)."""
        taxonomy = Taxonomy.__table__  # type: ignore[attr-defined]
        term = TaxonomyTerm.__table__  # type: ignore[attr-defined]
        result = await execute(
            session,
            sa.select(term.c.code, term.c.id)
            .join(taxonomy, taxonomy.c.id == term.c.taxonomy_id)
            .where(taxonomy.c.name == NEEDS_TAXONOMY),
        )
        self.needs_ids = {r["code"]: r["id"] for r in result.mappings() if r["code"]}
        self.unknown_needs = set(self.terms.values()) - set(self.needs_ids)

    def need_for(self, code: str) -> str | None:
        """The needs code a source code maps to, if any."""
        code = code.strip()
        if not self.prefix:
            return self.terms.get(code)
        best: str | None = None
        for source_code in self.terms:
            if code.startswith(source_code) and (best is None or len(source_code) > len(best)):
                best = source_code
        return self.terms[best] if best is not None else None

    def expand(self, record: Record) -> list[Record]:
        """Extra needs attributes implied by a record (remembers term codes as they pass)."""
        if record.entity == "taxonomy_term":
            code = record.values.get("code")
            if code:
                self._codes[record.external_id] = str(code)
            return []
        if record.entity != "attribute":
            return []
        term_ext = record.values.get("taxonomy_term_id")
        code = self._codes.get(str(term_ext)) if term_ext else None
        need = self.need_for(code) if code else None
        need_id = self.needs_ids.get(need) if need else None
        if need_id is None:
            return []
        link_ext = record.values.get("link_id")
        link_entity = record.values.get("link_entity")
        return [
            Record(
                "attribute",
                f"needs:{link_entity}:{link_ext}:{need}",
                {
                    "link_id": link_ext,
                    "link_entity": link_entity,
                    "link_type": "need",
                    "taxonomy_term_id": InternalRef(need_id),
                },
                record.origin,
            )
        ]
