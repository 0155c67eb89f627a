"""Create, change and delete rows that belong to an organization's listing (phones, schedules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.changelog import record_change, snapshot
from providers.editing import apply, get_or_404, validate_patch
from providers.ownership import require_manage_owner

RowT = TypeVar("RowT", bound=SQLModel)


@dataclass(frozen=True)
class OwnedRows(Generic[RowT]):
    """The edit rules shared by rows owned through one of several foreign keys."""

    model: type[RowT]
    input_model: type[BaseModel]
    owners: tuple[str, ...]
    aggregate: str
    label: str

    @property
    def fields(self) -> tuple[str, ...]:
        """The editable fields, as the input model names them."""
        return tuple(self.input_model.model_fields)

    def _owners(self, values: Mapping[str, Any]) -> dict[str, str | None]:
        return {k: values.get(k) for k in self.owners}

    async def create(
        self, *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
    ) -> RowT:
        """Validate and add a row under an owner the actor manages."""
        actor.require_authenticated()
        values = validate_input(self.input_model, data).model_dump()
        org_id = await require_manage_owner(session, actor, self._owners(values))
        now = clock.now()
        row = self.model(**values, created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        self._log(session, actor, clock, "created", row, {}, values, org_id)
        return row

    async def update(
        self,
        *,
        session: AsyncSession,
        actor: Principal,
        clock: Clock,
        row_id: str,
        changes: Mapping[str, Any],
    ) -> RowT:
        """Apply a partial change; the owner keys cannot move."""
        actor.require_authenticated()
        row = await get_or_404(session, self.model, row_id, self.label)
        before = snapshot(row, self.fields)
        org_id = await require_manage_owner(session, actor, self._owners(before))
        after = validate_patch(self.input_model, before, changes, immutable=self.owners)
        apply(row, after, self.fields)
        row.updated_at = clock.now()
        session.add(row)
        self._log(session, actor, clock, "updated", row, before, after, org_id)
        await session.flush()
        return row

    async def delete(
        self, *, session: AsyncSession, actor: Principal, clock: Clock, row_id: str
    ) -> None:
        """Remove a row of a listing the actor manages."""
        actor.require_authenticated()
        row = await get_or_404(session, self.model, row_id, self.label)
        before = snapshot(row, self.fields)
        org_id = await require_manage_owner(session, actor, self._owners(before))
        await session.delete(row)
        self._log(session, actor, clock, "deleted", row, before, {}, org_id)
        await session.flush()

    def _log(
        self,
        session: AsyncSession,
        actor: Principal,
        clock: Clock,
        verb: str,
        row: RowT,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        org_id: str | None,
    ) -> None:
        record_change(
            session,
            actor=actor,
            clock=clock,
            aggregate=self.aggregate,
            verb=verb,
            row_id=row.id,  # type: ignore[attr-defined]
            before=dict(before),
            after=dict(after),
            payload={"organization_id": org_id, **self._owners(before or after)},
        )
