"""Services with their program facts and needs: create, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Conflict, ErrorCode, FieldError, ValidationFailed
from hub.core.validation import validate_input
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import as_text, record_change, snapshot
from providers.editing import apply, get_or_404, must_exist, validate_patch
from providers.inputs import ProgramFactsInput, ServiceInput
from providers.models import Attribute, Organization, Program, ProgramFacts, Service
from providers.taxonomy import current_need_codes, need_terms_by_code, replace_service_needs

_FIELDS = tuple(ServiceInput.model_fields)
_EDITABLE = tuple(f for f in _FIELDS if f != "organization_id")
_FACT_FIELDS = tuple(ProgramFactsInput.model_fields)
_EXTRA = ("program_facts", "needs")


def _facts_values(facts: ProgramFactsInput) -> dict[str, Any]:
    values = facts.model_dump()
    # Stored flat (comma-separated) so search documents copy them as they are.
    values["schedule_fit"] = ",".join(v.value for v in facts.schedule_fit)
    values["aid_accepted"] = ",".join(v.value for v in facts.aid_accepted)
    return values


def _validate_extras(data: Mapping[str, Any]) -> tuple[ProgramFactsInput | None, list[str] | None]:
    facts = data.get("program_facts")
    needs = data.get("needs")
    checked = None
    if facts is not None:
        checked = validate_input(ProgramFactsInput, facts, prefix="program_facts")
    if needs is not None and not isinstance(needs, list | tuple):
        raise ValidationFailed.single("needs", ErrorCode.INVALID, "Give a list of need codes.")
    return checked, None if needs is None else [str(n) for n in needs]


async def _check_program(
    session: AsyncSession, program_id: str | None, organization_id: str
) -> None:
    program = await must_exist(session, Program, program_id, field="program_id", entity="program")
    if program is not None and program.organization_id != organization_id:
        raise ValidationFailed.single(
            "program_id", ErrorCode.INVALID, "The program belongs to another organization."
        )


async def _save_facts(
    session: AsyncSession, service: Service, facts: ProgramFactsInput | None, clock: Clock
) -> dict[str, Any]:
    row = await session.get(ProgramFacts, service.id)
    before = snapshot(row, _FACT_FIELDS) if row is not None else {}
    if facts is None:
        if row is not None:
            await session.delete(row)
        return before
    values = _facts_values(facts)
    if row is None:
        row = ProgramFacts(service_id=service.id, created_at=clock.now())
    apply(row, values, _FACT_FIELDS)
    row.updated_at = clock.now()
    session.add(row)
    return before


async def create_service(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: Mapping[str, Any]
) -> Service:
    """Create a service (with program facts and needs) for an organization the actor manages."""
    actor.require_authenticated()
    own = {k: v for k, v in data.items() if k not in _EXTRA}
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    facts: ProgramFactsInput | None = None
    needs: list[str] | None = None
    # Validate both parts before raising, so the caller hears of every bad field at once.
    try:
        values = validate_input(ServiceInput, own).model_dump()
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        facts, needs = _validate_extras(data)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    org_id = values["organization_id"]
    await must_exist(session, Organization, org_id, field="organization_id", entity="organization")
    require_manage(actor, org_id)
    await _check_program(session, values["program_id"], org_id)
    terms = await need_terms_by_code(session, needs or [])
    now = clock.now()
    row = Service(**values, created_at=now, updated_at=now, last_modified=now)
    session.add(row)
    await session.flush()
    if facts is not None:
        await _save_facts(session, row, facts, clock)
    await replace_service_needs(session, row, terms, clock=clock)
    after = {**values, "needs": sorted(t.code or "" for t in terms)}
    if facts is not None:
        after["program_facts"] = facts.model_dump(mode="json")
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service",
        verb="created",
        row_id=row.id,
        before={},
        after=after,
        payload={"organization_id": org_id},
        version=row.version,
    )
    await session.flush()
    return row


async def update_service(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    service_id: str,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Service:
    """Change some fields of a service; `program_facts` replaces the facts, `needs` the tags."""
    actor.require_authenticated()
    row = await get_or_404(session, Service, service_id, "Service")
    require_manage(actor, row.organization_id)
    if expected_version is not None and expected_version != row.version:
        raise Conflict("Service", row.id, expected_version, row.version)
    own = {k: v for k, v in changes.items() if k not in _EXTRA}
    before = snapshot(row, _FIELDS)
    errors: list[FieldError] = []
    after: dict[str, Any] = before
    facts: ProgramFactsInput | None = None
    needs: list[str] | None = None
    try:
        after = validate_patch(ServiceInput, before, own, immutable={"organization_id"})
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        facts, needs = _validate_extras(changes)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    if "program_id" in own:
        await _check_program(session, after["program_id"], row.organization_id)
    terms = await need_terms_by_code(session, needs or []) if "needs" in changes else None
    apply(row, after, _EDITABLE)
    if "program_facts" in changes:
        old_facts = await _save_facts(session, row, facts, clock)
        before["program_facts"] = {k: old_facts[k] for k in sorted(old_facts)} or None
        after["program_facts"] = _facts_values(facts) if facts is not None else None
    if terms is not None:
        before["needs"] = await current_need_codes(session, row.id)
        await replace_service_needs(session, row, terms, clock=clock)
        after["needs"] = sorted(t.code or "" for t in terms)
    if all(as_text(before.get(k)) == as_text(after.get(k)) for k in set(before) | set(after)):
        # Saving what is already there is not a change: no new version, event or log rows.
        await session.flush()
        return row
    now = clock.now()
    row.version += 1
    row.updated_at = now
    row.last_modified = now
    session.add(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service",
        verb="updated",
        row_id=row.id,
        before=before,
        after=after,
        payload={"organization_id": row.organization_id},
        version=row.version,
    )
    await session.flush()
    return row


async def delete_service(
    *, session: AsyncSession, actor: Principal, clock: Clock, service_id: str
) -> None:
    """Delete a service with its details, locations links, phones and schedules."""
    actor.require_authenticated()
    row = await get_or_404(session, Service, service_id, "Service")
    require_manage(actor, row.organization_id)
    before = snapshot(row, _FIELDS)
    await session.exec(delete(Attribute).where(col(Attribute.link_id) == row.id))
    await session.delete(row)
    record_change(
        session,
        actor=actor,
        clock=clock,
        aggregate="service",
        verb="deleted",
        row_id=row.id,
        before=before,
        after={},
        payload={"organization_id": row.organization_id},
        version=row.version + 1,
    )
    await session.flush()
