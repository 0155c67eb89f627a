"""The per-field change log: HSDS `metadata` rows of who changed what, when, from what to what."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.events import record_event
from hub.identity.principal import Principal
from providers.models import Metadata


def as_text(value: Any) -> str:
    """Render a field value for the change log ('' for none)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal | str):
        return str(value)
    return json.dumps(value, default=str, sort_keys=True)


def snapshot(row: SQLModel, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of some fields of a row."""
    return {name: getattr(row, name) for name in fields}


def who(actor: Principal) -> str:
    """How the change log names the actor."""
    return actor.user_id or actor.name


def log_changes(
    session: AsyncSession,
    *,
    actor: Principal,
    clock: Clock,
    resource_type: str,
    resource_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    action: str,
) -> list[str]:
    """Write one metadata row per field whose value differs; return the changed field names."""
    now = clock.now()
    changed: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = as_text(before.get(name)), as_text(after.get(name))
        if old == new:
            continue
        changed.append(name)
        session.add(
            Metadata(
                resource_id=resource_id,
                resource_type=resource_type,
                last_action_date=now,
                last_action_type=action,
                field_name=name,
                previous_value=old[:10_000],
                replacement_value=new[:10_000],
                updated_by=who(actor)[:255],
            )
        )
    return changed


def record_change(
    session: AsyncSession,
    *,
    actor: Principal,
    clock: Clock,
    aggregate: str,
    verb: str,
    row_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> list[str]:
    """Log the changed fields and record the `<aggregate>.<verb>` event in the same transaction."""
    action = {"created": "create", "deleted": "delete"}.get(verb, "update")
    changed = log_changes(
        session,
        actor=actor,
        clock=clock,
        resource_type=aggregate,
        resource_id=row_id,
        before=before,
        after=after,
        action=action,
    )
    record_event(
        session,
        topic=f"{aggregate}.{verb}",
        aggregate_type=aggregate,
        aggregate_id=row_id,
        payload={**(payload or {}), "fields": changed, "actor": who(actor)},
        version=version,
    )
    return changed
