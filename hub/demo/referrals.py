"""The `hub demo` step that fills the referral network: clients, consents, referrals, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import transaction
from hub.identity.models import Membership, OrgRole, User
from providers.models import Attribute, Service, ServiceStatus, TaxonomyTerm
from referrals.demo import StaffSeat, create_demo_referrals

if TYPE_CHECKING:
    from hub.demo.steps import DemoContext

PER_STATUS = 4


async def _pairs(session: AsyncSession) -> list[tuple[StaffSeat, StaffSeat, str, str]]:
    seats = [
        (StaffSeat(user.id, membership.organization_id, user.name), membership.role)
        for membership, user in await session.exec(
            select(Membership, User)
            .join(User, col(User.id) == Membership.user_id)
            .order_by(col(User.email))
        )
    ]
    services: dict[str, list[tuple[str, str]]] = {}
    rows = await session.exec(
        select(Service.id, Service.organization_id, TaxonomyTerm.code)
        .join(Attribute, col(Attribute.link_id) == Service.id)
        .join(TaxonomyTerm, col(TaxonomyTerm.id) == Attribute.taxonomy_term_id)
        .where(col(Service.accepts_referrals).is_(True), Service.status == ServiceStatus.ACTIVE)
        .order_by(col(Service.name), col(Service.id))
    )
    for service_id, org_id, code in rows:
        services.setdefault(org_id, []).append((service_id, code or "employment"))
    # Coaches and navigators send; anyone in an organization with an accepting service receives.
    senders = [seat for seat, role in seats if role == OrgRole.STAFF] or [s for s, _ in seats]
    receivers = [seat for seat, _ in seats if seat.organization_id in services]
    pairs = []
    for i, sender in enumerate(senders):
        others = [r for r in receivers if r.organization_id != sender.organization_id]
        for j, receiver in enumerate(others):
            offered = services[receiver.organization_id]
            service_id, need = offered[(i + j) % len(offered)]
            pairs.append((sender, receiver, service_id, need))
    return pairs


async def referrals_step(ctx: DemoContext) -> None:
    """Referrals in every status between the demo users' organizations, over past weeks."""
    async with transaction(ctx.container.session_factory) as session:
        pairs = await _pairs(session)
        ctx.rng.shuffle(pairs)
        made = await create_demo_referrals(
            session=session, rng=ctx.rng, now=ctx.now, pairs=pairs, per_status=PER_STATUS
        )
    ctx.summary["referrals"] = sum(made.values())
    ctx.extras["referrals_by_status"] = dict(made)
