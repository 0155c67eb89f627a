"""The demo step that loads a year of board history and builds the analytics fact table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import transaction
from hub.demo.changes import add_changes
from hub.demo.history import add_history
from providers.models import Attribute, Service, ServiceStatus, TaxonomyTerm
from referrals.analytics.refresh import refresh_facts

if TYPE_CHECKING:
    from hub.demo.steps import DemoContext


async def _offered(session: AsyncSession) -> dict[str, list[tuple[str, str]]]:
    """Each organization's active services that accept referrals, with one need of each."""
    rows = await session.exec(
        select(Service.id, Service.organization_id, TaxonomyTerm.code)
        .join(Attribute, col(Attribute.link_id) == Service.id)
        .join(TaxonomyTerm, col(TaxonomyTerm.id) == Attribute.taxonomy_term_id)
        .where(col(Service.accepts_referrals).is_(True), Service.status == ServiceStatus.ACTIVE)
        .order_by(col(Service.id), col(TaxonomyTerm.code))
    )
    offered: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for service_id, org_id, code in rows:
        if service_id not in seen and code:
            seen.add(service_id)
            offered.setdefault(org_id, []).append((service_id, code))
    return offered


async def analytics_step(ctx: DemoContext) -> None:
    """Add 14 months of referrals, searches and listing changes, then every referral's facts."""
    async with transaction(ctx.container.session_factory) as session:
        referrals, searches = await add_history(
            session,
            rng=ctx.rng,
            now=ctx.now,
            organizations=ctx.directory.organizations,
            offered=await _offered(session),
        )
        ctx.summary["listing_changes"] = await add_changes(session, rng=ctx.rng, now=ctx.now)
    ctx.summary["history_referrals"] = referrals
    ctx.summary["search_log"] = searches
    async with transaction(ctx.container.session_factory) as session:
        ctx.summary["analytics_facts"] = await refresh_facts(
            session=session, clock=ctx.container.clock, full=True
        )
