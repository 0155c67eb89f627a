"""The index definition: one ServiceDocument per service at a location (or area-served service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Weights of the text fields (FTS5 bm25 column weights, Elasticsearch field boosts).
TEXT_FIELDS: dict[str, float] = {
    "service_name": 6.0,
    "organization_name": 3.0,
    "program_name": 2.0,
    "need_labels": 3.0,
    "description": 1.0,
}


@dataclass(frozen=True, slots=True)
class NeedRef:
    """A need the service is tagged with, with every ancestor code."""

    code: str
    name: str
    ancestors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceDocument:
    """Everything search filters, ranks, facets and highlights on, flattened from the directory."""

    id: str
    version: int
    service_id: str
    organization_id: str
    service_name: str
    organization_name: str
    location_id: str | None = None
    service_at_location_id: str | None = None
    program_id: str | None = None
    program_name: str = ""
    location_name: str = ""
    service_description: str = ""
    organization_description: str = ""
    program_description: str = ""
    needs: tuple[NeedRef, ...] = ()
    languages: tuple[str, ...] = ()
    free: bool = False
    min_cost: float | None = None
    min_age: int | None = None
    max_age: int | None = None
    delivery_mode: str = "in_person"
    open_spans: tuple[tuple[int, int], ...] = ()
    timezone_name: str | None = None
    open_evenings: bool = False
    accepts_referrals: bool = False
    capacity_status: str | None = None
    credential: str | None = None
    occupation_code: str | None = None
    schedule_fit: tuple[str, ...] = ()
    aid_accepted: tuple[str, ...] = ()
    earn_and_learn: bool = False
    total_cost: float | None = None
    last_verified_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    postal_code: str | None = None
    areas: tuple[str, ...] = field(default=())

    @property
    def need_codes(self) -> tuple[str, ...]:
        """Codes of every tagged need and all their ancestors (a parent matches its children)."""
        codes: dict[str, None] = {}
        for need in self.needs:
            for code in (*need.ancestors, need.code):
                codes[code] = None
        return tuple(codes)

    @property
    def need_labels(self) -> str:
        """Names of the tagged needs, for full-text matching."""
        return " ".join(n.name for n in self.needs)

    @property
    def description(self) -> str:
        """Service, program and organization descriptions in one text field."""
        parts = (self.service_description, self.program_description, self.organization_description)
        return "\n".join(p for p in parts if p)

    def text(self, name: str) -> str:
        """The value of a text field named in TEXT_FIELDS."""
        value = getattr(self, name)
        return str(value or "")


def document_id(*, service_id: str, service_at_location_id: str | None) -> str:
    """Stable document id: per service-at-location, or per service when it has no place."""
    if service_at_location_id is not None:
        return f"sal:{service_at_location_id}"
    return f"svc:{service_id}"
