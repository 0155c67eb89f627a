"""The common currency of every reader: flat HSDS records keyed by the source's own ids."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from importers.report import Origin

_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4d0e-9c55-1a8e0f3b7d21")
# Canonical lowercase UUIDs only (a regex is far cheaper than uuid.UUID per record).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class InternalRef:
    """A reference to a hub record by its own id (a needs term), not by a source id."""

    id: str


@dataclass(slots=True)
class Record:
    """One HSDS object: its entity, the source's id, column values (references as source ids)."""

    entity: str
    external_id: str
    values: dict[str, Any]
    origin: Origin
    extra: dict[str, Any] = field(default_factory=dict)


def internal_id(source: str, entity: str, external_id: str) -> str:
    """The hub id of a source record: HSDS UUIDs are kept, other ids get a stable UUID5."""
    if len(external_id) == 36 and _UUID.fullmatch(external_id):
        return external_id
    return str(uuid.uuid5(_NAMESPACE, f"{source}\x1f{entity}\x1f{external_id}"))
