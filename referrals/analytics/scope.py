"""Who may read analytics, and which referrals and organizations a report covers.

Scope, precisely: a network's report covers every sent referral whose sender organization OR
receiver organization is a member of the network (`network_organization`), so a flow from a
partner to an outside organization counts, and a flow between two outside organizations never
does. Directory figures (listing health, change log) cover the network's member organizations.

- Hub admins (and the system, e.g. the `hub report` command) see everything, or one network
  when they name it.
- An auditor sees their own network only; naming another network is Forbidden. An auditor
  without a network is a hub-wide auditor (the identity model's meaning of a null network).
- Everyone else is Forbidden: analytics are for the people who fund and oversee the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, NotFound
from hub.identity.models import Network, NetworkOrganization
from hub.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class Scope:
    """The organizations a report is limited to; None means every organization."""

    network_id: str | None
    network_name: str | None
    organization_ids: frozenset[str] | None

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out."""
        return self.organization_ids is None

    def referral_filter(
        self, sender: ColumnElement[str], receiver: ColumnElement[str]
    ) -> ColumnElement[bool]:
        """SQL condition: the referral's sender or receiver belongs to the scope."""
        if self.organization_ids is None:
            return sa.true()
        orgs = sorted(self.organization_ids)
        return sa.or_(sender.in_(orgs), receiver.in_(orgs))

    def organization_filter(self, organization: ColumnElement[str]) -> ColumnElement[bool]:
        """SQL condition: the organization belongs to the scope."""
        if self.organization_ids is None:
            return sa.true()
        return organization.in_(sorted(self.organization_ids))


def require_analytics_reader(actor: Principal) -> None:
    """Refuse anyone but hub admins, auditors and the system."""
    actor.require_authenticated()
    if not (actor.is_hub_admin or actor.is_auditor or actor.is_system):
        raise Forbidden("Only auditors and hub admins may read network analytics.")


async def _network(session: AsyncSession, network_id: str) -> Scope:
    network = await session.get(Network, network_id)
    if network is None:
        raise NotFound("Network", network_id)
    found = await session.exec(
        select(NetworkOrganization.organization_id).where(
            NetworkOrganization.network_id == network_id
        )
    )
    return Scope(network.id, network.name, frozenset(found.all()))


async def resolve_scope(
    *, session: AsyncSession, actor: Principal, network_id: str | None = None
) -> Scope:
    """The scope an actor reads, optionally narrowed to one network."""
    require_analytics_reader(actor)
    if actor.is_hub_admin or actor.is_system:
        if network_id is None:
            return Scope(None, None, None)
        return await _network(session, network_id)
    own = actor.auditor_network_id
    if own is None:
        return (
            Scope(None, None, None) if network_id is None else await _network(session, network_id)
        )
    if network_id is not None and network_id != own:
        raise Forbidden("Auditors read their own network only.")
    return await _network(session, own)


def require_hub_admin_reader(actor: Principal) -> None:
    """Refuse anyone but hub admins and the system (auditors included)."""
    actor.require_hub_admin()
