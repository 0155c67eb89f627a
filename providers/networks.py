"""Networks: the sets of partner organizations a workforce board audits together.

In `providers` (not `hub.identity`, which sits below the directory) because a network is a
grouping of directory organizations.

Hub admins create networks and add organizations to them; analytics readers (auditors and hub
admins) may list the networks they can read, so a page can offer them as a choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, Forbidden, NotFound, ValidationFailed
from hub.identity.models import Network, NetworkOrganization
from hub.identity.principal import Principal
from providers.models import Organization

MAX_NAME = 255
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    """A network with how many organizations belong to it."""

    id: str
    name: str
    description: str
    organizations: int


@dataclass(frozen=True, slots=True)
class Member:
    """An organization of a network."""

    id: str
    name: str


def _require_reader(actor: Principal) -> None:
    actor.require_authenticated()
    if not (actor.is_hub_admin or actor.is_auditor or actor.is_system):
        raise Forbidden("Only auditors and hub admins may list networks.")


async def list_networks(*, session: AsyncSession, actor: Principal) -> list[NetworkSummary]:
    """The networks the actor may read: all for hub admins and hub-wide auditors, else theirs."""
    _require_reader(actor)
    members = sa.func.count(col(NetworkOrganization.organization_id))
    stmt = (
        select(Network.id, Network.name, Network.description, members)
        .outerjoin(NetworkOrganization, col(NetworkOrganization.network_id) == col(Network.id))
        .group_by(col(Network.id), col(Network.name), col(Network.description))
        .order_by(col(Network.name))
    )
    if not (actor.is_hub_admin or actor.is_system) and actor.auditor_network_id is not None:
        stmt = stmt.where(col(Network.id) == actor.auditor_network_id)
    rows = (await session.exec(stmt)).all()
    return [NetworkSummary(str(i), str(n), str(d or ""), int(c)) for i, n, d, c in rows]


async def network_members(
    *, session: AsyncSession, actor: Principal, network_id: str
) -> list[Member]:
    """The organizations of one network, by name (readers of that network only)."""
    _require_reader(actor)
    own = actor.auditor_network_id
    if not (actor.is_hub_admin or actor.is_system) and own is not None and own != network_id:
        raise NotFound("Network", network_id)
    if await session.get(Network, network_id) is None:
        raise NotFound("Network", network_id)
    rows = await session.exec(
        select(Organization.id, Organization.name)
        .join(NetworkOrganization, col(NetworkOrganization.organization_id) == col(Organization.id))
        .where(NetworkOrganization.network_id == network_id)
        .order_by(col(Organization.name))
    )
    return [Member(str(i), str(n)) for i, n in rows.all()]


def _clean_name(name: str, description: str) -> tuple[str, str]:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed.single(
            "name", ErrorCode.REQUIRED, f"Give a name of 1 to {MAX_NAME} characters."
        )
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed.single(
            "description",
            ErrorCode.OUT_OF_RANGE,
            f"Keep the description under {MAX_DESCRIPTION} characters.",
        )
    return name, description


async def create_network(
    *, session: AsyncSession, actor: Principal, name: str, description: str = ""
) -> Network:
    """Create a network with a unique name (hub admins only)."""
    actor.require_hub_admin()
    name, description = _clean_name(name, description)
    taken = await session.exec(
        select(Network.id).where(sa.func.lower(col(Network.name)) == name.lower())
    )
    if taken.first() is not None:
        raise ValidationFailed.single("name", ErrorCode.DUPLICATE, "A network has that name.")
    network = Network(name=name, description=description)
    session.add(network)
    await session.flush()
    return network


async def rename_network(
    *, session: AsyncSession, actor: Principal, network_id: str, name: str, description: str
) -> Network:
    """Change a network's name and description (hub admins only)."""
    actor.require_hub_admin()
    network = await session.get(Network, network_id)
    if network is None:
        raise NotFound("Network", network_id)
    name, description = _clean_name(name, description)
    taken = await session.exec(
        select(Network.id).where(
            sa.func.lower(col(Network.name)) == name.lower(), col(Network.id) != network_id
        )
    )
    if taken.first() is not None:
        raise ValidationFailed.single("name", ErrorCode.DUPLICATE, "A network has that name.")
    network.name, network.description = name, description
    session.add(network)
    await session.flush()
    return network


async def add_organization(
    *, session: AsyncSession, actor: Principal, network_id: str, organization_id: str
) -> bool:
    """Add an organization to a network (hub admins only); False when it already belonged."""
    actor.require_hub_admin()
    if await session.get(Network, network_id) is None:
        raise NotFound("Network", network_id)
    if await session.get(Organization, organization_id) is None:
        raise NotFound("Organization", organization_id)
    if await session.get(NetworkOrganization, (network_id, organization_id)) is not None:
        return False
    session.add(NetworkOrganization(network_id=network_id, organization_id=organization_id))
    await session.flush()
    return True


async def remove_organization(
    *, session: AsyncSession, actor: Principal, network_id: str, organization_id: str
) -> bool:
    """Take an organization out of a network (hub admins only); False when it was not in it."""
    actor.require_hub_admin()
    if await session.get(Network, network_id) is None:
        raise NotFound("Network", network_id)
    link = await session.get(NetworkOrganization, (network_id, organization_id))
    if link is None:
        return False
    await session.delete(link)
    await session.flush()
    return True
