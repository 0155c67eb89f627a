"""Tagging directory entities with taxonomy terms (a service's needs) through HSDS attributes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.identity.principal import Principal
from providers.access import require_manage
from providers.changelog import record_change
from providers.editing import get_or_404
from providers.models import Attribute, Service, Taxonomy, TaxonomyTerm
from providers.needs_taxonomy import NEEDS_TAXONOMY


async def need_terms_by_code(
    session: AsyncSession, codes: Sequence[str], *, field: str = "needs"
) -> list[TaxonomyTerm]:
    """The needs-taxonomy terms of some codes; unknown codes are an UNKNOWN_NEED error."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    rows = await session.exec(
        select(TaxonomyTerm)
        .join(Taxonomy, col(Taxonomy.id) == col(TaxonomyTerm.taxonomy_id))
        .where(col(Taxonomy.name) == NEEDS_TAXONOMY, col(TaxonomyTerm.code).in_(wanted))
    )
    found = {t.code: t for t in rows}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed.single(
            field, ErrorCode.UNKNOWN_NEED, f"Unknown need codes: {', '.join(unknown)}."
        )
    return [found[c] for c in wanted]


async def current_need_codes(session: AsyncSession, service_id: str) -> list[str]:
    """Codes of the terms a service is tagged with, sorted."""
    rows = await session.exec(
        select(TaxonomyTerm.code)
        .join(Attribute, col(Attribute.taxonomy_term_id) == col(TaxonomyTerm.id))
        .where(col(Attribute.link_id) == service_id, col(Attribute.link_entity) == "service")
    )
    return sorted(c for c in rows if c is not None)


async def replace_service_needs(
    session: AsyncSession, service: Service, terms: Sequence[TaxonomyTerm], *, clock: Clock
) -> None:
    """Make `terms` the service's needs (no authorization, no event: callers do both)."""
    await session.exec(
        delete(Attribute).where(
            col(Attribute.link_id) == service.id, col(Attribute.link_entity) == "service"
        )
    )
    now = clock.now()
    for term in terms:
        session.add(
            Attribute(
                link_id=service.id,
                taxonomy_term_id=term.id,
                link_type="need",
                link_entity="service",
                created_at=now,
                updated_at=now,
            )
        )


async def set_service_needs(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    service_id: str,
    codes: Sequence[str],
) -> Service:
    """Tag a service with exactly these needs (codes of the needs taxonomy)."""
    actor.require_authenticated()
    service = await get_or_404(session, Service, service_id, "Service")
    require_manage(actor, service.organization_id)
    terms = await need_terms_by_code(session, codes)
    before = await current_need_codes(session, service.id)
    await replace_service_needs(session, service, terms, clock=clock)
    after = sorted(t.code for t in terms if t.code is not None)
    if before != after:
        service.version += 1
        service.updated_at = clock.now()
        session.add(service)
        record_change(
            session,
            actor=actor,
            clock=clock,
            aggregate="service",
            verb="updated",
            row_id=service.id,
            before={"needs": before},
            after={"needs": after},
            payload={"organization_id": service.organization_id},
            version=service.version,
        )
    await session.flush()
    return service
