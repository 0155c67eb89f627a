"""Read side of the directory: get and list with the visibility rules of `providers.access`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.core.paging import Page, PageRequest, keyset_page
from hub.identity.principal import Principal
from providers.access import can_see_status, visible_statuses
from providers.models import (
    Attribute,
    Location,
    Organization,
    Service,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from providers.needs_taxonomy import NEEDS_TAXONOMY, need_ids_with_descendants

# Longer than any name; a longer filter only costs the database (SQLite refuses huge LIKEs).
MAX_TEXT_FILTER_LENGTH = 200


@dataclass(frozen=True, slots=True)
class ServiceFilter:
    """Which services to list: by needs (with children), organization, status and text."""

    needs: Sequence[str] = ()
    organization_id: str | None = None
    statuses: Sequence[ServiceStatus] = ()
    text: str | None = None
    ids: Sequence[str] = field(default_factory=tuple)


async def get_organization(
    *, session: AsyncSession, actor: Principal, organization_id: str
) -> Organization:
    """Return one organization (organizations are public)."""
    row = await session.get(Organization, organization_id)
    if row is None:
        raise NotFound("Organization", organization_id)
    return row


async def list_organizations(
    *, session: AsyncSession, actor: Principal, page: PageRequest, text: str | None = None
) -> Page[Organization]:
    """List organizations by name."""
    stmt = select(Organization)
    _check_text(text)
    if text:
        stmt = stmt.where(col(Organization.name).ilike(f"%{_escape(text)}%", escape="\\"))
    return await keyset_page(
        session, stmt, keys=[col(Organization.name), col(Organization.id)], request=page
    )


def _check_text(text: str | None) -> None:
    if text is not None and len(text) > MAX_TEXT_FILTER_LENGTH:
        raise ValidationFailed.single(
            "text", ErrorCode.TOO_LONG, f"Use at most {MAX_TEXT_FILTER_LENGTH} characters."
        )


async def get_service(*, session: AsyncSession, actor: Principal, service_id: str) -> Service:
    """Return one service the actor may see (anonymous callers see active ones only)."""
    row = await session.get(Service, service_id)
    if row is None or not can_see_status(actor, row.status):
        raise NotFound("Service", service_id)
    return row


async def list_services(
    *, session: AsyncSession, actor: Principal, filter: ServiceFilter, page: PageRequest
) -> Page[Service]:
    """List the services the actor may see that match the filter, by name."""
    stmt = select(Service)
    _check_text(filter.text)
    allowed = visible_statuses(actor)
    statuses = set(filter.statuses) or None
    if allowed is not None:
        statuses = (statuses & allowed) if statuses is not None else set(allowed)
    if statuses is not None:
        stmt = stmt.where(col(Service.status).in_(statuses))
    if filter.organization_id is not None:
        stmt = stmt.where(col(Service.organization_id) == filter.organization_id)
    if filter.ids:
        stmt = stmt.where(col(Service.id).in_(set(filter.ids)))
    if filter.text:
        pattern = f"%{_escape(filter.text)}%"
        stmt = stmt.where(
            sa.or_(
                col(Service.name).ilike(pattern, escape="\\"),
                col(Service.description).ilike(pattern, escape="\\"),
            )
        )
    if filter.needs:
        unknown = set(filter.needs) - await _known_need_codes(session, filter.needs)
        if unknown:
            raise ValidationFailed.single(
                "needs",
                ErrorCode.UNKNOWN_NEED,
                f"Unknown need codes: {', '.join(sorted(unknown))}.",
            )
        term_ids = await need_ids_with_descendants(session=session, codes=filter.needs)
        tagged = select(Attribute.link_id).where(
            col(Attribute.taxonomy_term_id).in_(term_ids), col(Attribute.link_entity) == "service"
        )
        stmt = stmt.where(col(Service.id).in_(tagged))
    return await keyset_page(session, stmt, keys=[col(Service.name), col(Service.id)], request=page)


async def get_location(*, session: AsyncSession, actor: Principal, location_id: str) -> Location:
    """Return one location (private fields are hidden by the caller's view of it)."""
    row = await session.get(Location, location_id)
    if row is None:
        raise NotFound("Location", location_id)
    return row


async def list_locations(
    *,
    session: AsyncSession,
    actor: Principal,
    page: PageRequest,
    organization_id: str | None = None,
) -> Page[Location]:
    """List locations, optionally of one organization, by id."""
    stmt = select(Location)
    if organization_id is not None:
        stmt = stmt.where(col(Location.organization_id) == organization_id)
    return await keyset_page(session, stmt, keys=[col(Location.id)], request=page)


async def get_term(*, session: AsyncSession, term_id: str) -> TaxonomyTerm:
    """Return one taxonomy term."""
    row = await session.get(TaxonomyTerm, term_id)
    if row is None:
        raise NotFound("TaxonomyTerm", term_id)
    return row


async def list_terms(
    *, session: AsyncSession, parent_code: str | None = None, taxonomy: str | None = None
) -> list[TaxonomyTerm]:
    """Terms of a taxonomy (default: the needs taxonomy): top level, or the children of a code."""
    name = taxonomy or NEEDS_TAXONOMY
    stmt = (
        select(TaxonomyTerm)
        .join(Taxonomy, col(Taxonomy.id) == col(TaxonomyTerm.taxonomy_id))
        .where(col(Taxonomy.name) == name)
    )
    if parent_code is None:
        stmt = stmt.where(col(TaxonomyTerm.parent_id).is_(None))
    else:
        parent = (
            await session.exec(
                select(TaxonomyTerm)
                .join(Taxonomy, col(Taxonomy.id) == col(TaxonomyTerm.taxonomy_id))
                .where(col(Taxonomy.name) == name, col(TaxonomyTerm.code) == parent_code)
            )
        ).first()
        if parent is None:
            raise NotFound("TaxonomyTerm", parent_code)
        stmt = stmt.where(col(TaxonomyTerm.parent_id) == parent.id)
    return list(await session.exec(stmt.order_by(col(TaxonomyTerm.code))))


async def _known_need_codes(session: AsyncSession, codes: Sequence[str]) -> set[str]:
    rows = await session.exec(
        select(TaxonomyTerm.code)
        .join(Taxonomy, col(Taxonomy.id) == col(TaxonomyTerm.taxonomy_id))
        .where(col(Taxonomy.name) == NEEDS_TAXONOMY, col(TaxonomyTerm.code).in_(set(codes)))
    )
    return {c for c in rows if c is not None}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
