"""Which services' documents a batch of directory events touches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import OutboxEvent
from providers import models as m

# Child rows whose owner columns (service, location, service-at-location) say what to rebuild.
CHILD_MODELS: dict[str, type[SQLModel]] = {
    "schedule": m.Schedule,
    "phone": m.Phone,
    "language": m.Language,
    "cost_option": m.CostOption,
    "service_area": m.ServiceArea,
    "service_capacity": m.ServiceCapacity,
    "program_facts": m.ProgramFacts,
    "address": m.Address,
    "accessibility": m.Accessibility,
    "contact": m.Contact,
    "required_document": m.RequiredDocument,
    "funding": m.Funding,
    "attribute": m.Attribute,
}
ROOTS = ("service", "location", "organization", "program", "service_at_location", "taxonomy_term")
DIRECTORY_AGGREGATES = frozenset((*ROOTS, *CHILD_MODELS))
_OWNER_KEYS = ("service_id", "location_id", "service_at_location_id")


@dataclass
class Touched:
    """Ids per kind that changed; expanded to service ids against the database."""

    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, kind: str, ident: Any) -> None:
        """Record an id of a kind (ignores empty values)."""
        if isinstance(ident, str) and ident:
            self.ids[kind].add(ident)
        elif isinstance(ident, list):
            for item in ident:
                self.add(kind, item)


def _from_payload(touched: Touched, aggregate: str, ident: str, payload: Mapping[str, Any]) -> None:
    touched.add(aggregate if aggregate in ROOTS else "child:" + aggregate, ident)
    # Deleted rows cannot be looked up any more; their events carry the owners.
    for key in _OWNER_KEYS:
        touched.add(key.removesuffix("_id"), payload.get(key))
    touched.add("service", payload.get("service_ids"))


async def _children(session: AsyncSession, touched: Touched) -> None:
    for kind, model in CHILD_MODELS.items():
        wanted = touched.ids.get("child:" + kind)
        if not wanted:
            continue
        key = "service_id" if kind == "program_facts" else "id"
        rows = await session.exec(select(model).where(col(getattr(model, key)).in_(wanted)))
        for row in rows:
            if kind == "attribute":
                if getattr(row, "link_entity", None) == "service":
                    touched.add("service", row.link_id)  # type: ignore[attr-defined]
                continue
            for owner in _OWNER_KEYS:
                touched.add(owner.removesuffix("_id"), getattr(row, owner, None))


async def _column(
    session: AsyncSession, column: Any, where: Any, values: Iterable[str]
) -> set[str]:
    wanted = list(values)
    if not wanted:
        return set()
    return set((await session.exec(select(column).where(col(where).in_(wanted)))).all())


async def affected_services(session: AsyncSession, event_ids: Iterable[str]) -> set[str]:
    """Service ids whose documents must be rebuilt after these outbox events."""
    ids = list(event_ids)
    if not ids:
        return set()
    events = await session.exec(select(OutboxEvent).where(col(OutboxEvent.id).in_(ids)))
    touched = Touched()
    for event in events:
        if event.aggregate_type in DIRECTORY_AGGREGATES:
            _from_payload(touched, event.aggregate_type, event.aggregate_id, event.payload or {})
    await _children(session, touched)
    found = set(touched.ids.get("service", set()))
    sal, svc = m.ServiceAtLocation, m.Service
    found |= await _column(
        session, sal.service_id, sal.id, touched.ids.get("service_at_location", ())
    )
    found |= await _column(
        session, sal.service_id, sal.location_id, touched.ids.get("location", ())
    )
    found |= await _column(
        session, svc.id, svc.organization_id, touched.ids.get("organization", ())
    )
    found |= await _column(session, svc.id, svc.program_id, touched.ids.get("program", ()))
    attr = m.Attribute
    found |= await _column(
        session, attr.link_id, attr.taxonomy_term_id, touched.ids.get("taxonomy_term", ())
    )
    return found
