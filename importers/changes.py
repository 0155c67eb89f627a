"""What one batch of an import changed, summed up as a few outbox events for the search index."""

from __future__ import annotations

import sys
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from importers.entities import ENTITY_MODELS, PARENT_REFS
from importers.sql import execute

# One event per written batch instead of one per record: a 100k-service import writes ~100
# outbox rows and keeps ~100 published events in memory until commit, not 300k. The search
# index reads `service_ids`, `location_id` and `service_at_location_id` lists from the payload.
IMPORT_TOPIC = "directory.imported"
_IDS_PER_EVENT = 1000
_IN_CHUNK = 500
# Taxonomies are small and their own events make the index forget its cached need trees.
_OWN_EVENTS = frozenset({"taxonomy", "taxonomy_term"})


class BatchChanges:
    """Ids touched by one flush, rolled up to what the search index rebuilds."""

    def __init__(self) -> None:
        self.services: set[str] = set()
        self.locations: set[str] = set()
        self.places: set[str] = set()  # service_at_location ids
        self.organizations: set[str] = set()  # changed: their services are rebuilt
        self.programs: set[str] = set()
        self.own: dict[tuple[str, str, str], int | None] = {}

    def __bool__(self) -> bool:
        return bool(
            self.services
            or self.locations
            or self.places
            or self.organizations
            or self.programs
            or self.own
        )

    def note(
        self,
        entity: str,
        row_id: str,
        values: dict[str, Any],
        *,
        created: bool,
        version: int | None = None,
    ) -> None:
        """Record that a row was created or updated (a child counts as a change of its parent)."""
        if entity in _OWN_EVENTS:
            verb = "created" if created else "updated"
            self.own[(sys.intern(f"{entity}.{verb}"), entity, row_id)] = version
        elif entity == "service":
            self.services.add(row_id)
        elif entity == "location":
            self.locations.add(row_id)
        elif entity == "service_at_location":
            if values.get("service_id"):
                self.services.add(str(values["service_id"]))
        elif entity in ("organization", "program"):
            # A new one's services are new too (and noted); only changes reach existing ones.
            if not created:
                (self.organizations if entity == "organization" else self.programs).add(row_id)
        else:
            self._parent(entity, values)

    def _parent(self, entity: str, values: dict[str, Any]) -> None:
        columns = ("link_id",) if entity == "attribute" else PARENT_REFS.get(entity, ())
        for column in columns:
            parent_id = values.get(column)
            if not parent_id:
                continue
            if column == "link_id":
                parent = str(values["link_entity"])
            else:
                parent = column.removesuffix("_id")
            if parent == "service_at_location":
                self.places.add(str(parent_id))
            elif parent in ENTITY_MODELS:
                self.note(parent, str(parent_id), {}, created=False)
            return

    async def events(self, session: AsyncSession, source: str) -> list[dict[str, Any]]:
        """The outbox events of this batch (changed organizations and programs resolved)."""
        services = self.services | await _services_of(session, self.organizations, self.programs)
        out: list[dict[str, Any]] = [
            {
                "topic": topic,
                "aggregate_type": aggregate,
                "aggregate_id": aggregate_id,
                "payload": {"source": source, "via": "import"},
                "version": version,
            }
            for (topic, aggregate, aggregate_id), version in self.own.items()
        ]
        lists = {
            "service_ids": sorted(services),
            "location_id": sorted(self.locations),
            "service_at_location_id": sorted(self.places),
        }
        for key, aggregate in (
            ("service_ids", "service"),
            ("location_id", "location"),
            ("service_at_location_id", "service_at_location"),
        ):
            ids = lists[key]
            for start in range(0, len(ids), _IDS_PER_EVENT):
                chunk = ids[start : start + _IDS_PER_EVENT]
                payload: dict[str, Any] = {"source": source, "via": "import", key: chunk}
                out.append(
                    {
                        "topic": IMPORT_TOPIC,
                        "aggregate_type": aggregate,
                        "aggregate_id": chunk[0],
                        "payload": payload,
                    }
                )
        return out


async def _services_of(
    session: AsyncSession, organizations: set[str], programs: set[str]
) -> set[str]:
    services: sa.Table = ENTITY_MODELS["service"].__table__  # type: ignore[attr-defined]
    found: set[str] = set()
    for column, ids in (
        (services.c.organization_id, sorted(organizations)),
        (services.c.program_id, sorted(programs)),
    ):
        for start in range(0, len(ids), _IN_CHUNK):
            result = await execute(
                session,
                sa.select(services.c.id).where(column.in_(ids[start : start + _IN_CHUNK])),
            )
            found.update(result.scalars().all())
    return found
