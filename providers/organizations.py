"""Organizations and programs: create, update, delete (reads are in `providers.queries`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import record_change, snapshot
from providers.editing import apply, get_or_404, must_exist, validate_patch
from providers.inputs import OrganizationInput, ProgramInput
from providers.models import Attribute, Organization, Program, Service

_ORG_FIELDS = tuple(OrganizationInput.model_fields)
_PROGRAM_FIELDS = tuple(f for f in ProgramInput.model_fields if f != "organization_id")


async def create_organization(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Organization:
    """Create an organization (hub admins only)."""
    actor.require_hub_admin()
    values = validate_input(OrganizationInput, data).model_dump()
    now = clock.now()
    row = Organization(**values, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="organization",
        verb="created",
        row_id=row.id,
        before={},
        after=values,
        payload={"organization_id": row.id},
    )
    return row


async def update_organization(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    organization_id: str,
    changes: Mapping[str, Any],
) -> Organization:
    """Change some fields of an organization (its admins or hub admins)."""
    actor.require_authenticated()
    row = await get_or_404(session, Organization, organization_id, "Organization")
    require_manage(actor, row.id)
    before = snapshot(row, _ORG_FIELDS)
    after = validate_patch(OrganizationInput, before, changes)
    apply(row, after, _ORG_FIELDS)
    row.updated_at = clock.now()
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="organization",
        verb="updated",
        row_id=row.id,
        before=before,
        after=after,
        payload={"organization_id": row.id},
    )
    await session.flush()
    return row


async def delete_organization(
    *, session: AsyncSession, actor: Principal, clock: Clock, organization_id: str
) -> None:
    """Delete an organization with everything it lists (hub admins only)."""
    actor.require_hub_admin()
    row = await get_or_404(session, Organization, organization_id, "Organization")
    service_ids = list(
        await session.exec(select(Service.id).where(col(Service.organization_id) == row.id))
    )
    # Attributes link by plain id (HSDS), so the database cannot cascade them.
    if service_ids:
        await session.exec(delete(Attribute).where(col(Attribute.link_id).in_(service_ids)))
    await session.exec(delete(Attribute).where(col(Attribute.link_id) == row.id))
    before = snapshot(row, _ORG_FIELDS)
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="organization",
        verb="deleted",
        row_id=row.id,
        before=before,
        after={},
        payload={"organization_id": row.id, "service_ids": service_ids},
    )
    await session.flush()


async def create_program(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Program:
    """Create a program of an organization."""
    actor.require_authenticated()
    values = validate_input(ProgramInput, data).model_dump()
    await must_exist(
        session,
        Organization,
        values["organization_id"],
        field="organization_id",
        entity="organization",
    )
    require_manage(actor, values["organization_id"])
    now = clock.now()
    row = Program(**values, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="program",
        verb="created",
        row_id=row.id,
        before={},
        after=values,
        payload={"organization_id": row.organization_id},
    )
    return row


async def update_program(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    program_id: str,
    changes: Mapping[str, Any],
) -> Program:
    """Change some fields of a program."""
    actor.require_authenticated()
    row = await get_or_404(session, Program, program_id, "Program")
    require_manage(actor, row.organization_id)
    before = snapshot(row, ("organization_id", *_PROGRAM_FIELDS))
    after = validate_patch(ProgramInput, before, changes, immutable={"organization_id"})
    apply(row, after, _PROGRAM_FIELDS)
    row.updated_at = clock.now()
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="program",
        verb="updated",
        row_id=row.id,
        before=before,
        after=after,
        payload={"organization_id": row.organization_id},
    )
    await session.flush()
    return row


async def delete_program(
    *, session: AsyncSession, actor: Principal, clock: Clock, program_id: str
) -> None:
    """Delete a program; its services stay, without a program."""
    actor.require_authenticated()
    row = await get_or_404(session, Program, program_id, "Program")
    require_manage(actor, row.organization_id)
    before = snapshot(row, _PROGRAM_FIELDS)
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="program",
        verb="deleted",
        row_id=row.id,
        before=before,
        after={},
        payload={"organization_id": row.organization_id},
    )
    await session.flush()
