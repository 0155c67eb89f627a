"""Networks and roles managed by hub admins: creation, membership, listing, refusals."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, NotFound, ValidationFailed
from hub.identity.models import Membership, NetworkOrganization, OrgRole
from providers.networks import (
    add_organization,
    create_network,
    list_networks,
    network_members,
    remove_organization,
    rename_network,
)
from providers.staff import grant_role, organization_choices, revoke_role
from tests.builders import make_organization, make_person


async def test_a_hub_admin_creates_a_network_and_adds_organizations(
    session: AsyncSession,
) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    east = await make_organization(session, "Eastside CBO")
    west = await make_organization(session, "Westside Food Bank")
    network = await create_network(
        session=session, actor=admin.principal, name="  Alameda Board ", description="Partners"
    )
    assert network.name == "Alameda Board"
    added = await add_organization(
        session=session, actor=admin.principal, network_id=network.id, organization_id=east.id
    )
    again = await add_organization(
        session=session, actor=admin.principal, network_id=network.id, organization_id=east.id
    )
    assert (added, again) == (True, False)
    await add_organization(
        session=session, actor=admin.principal, network_id=network.id, organization_id=west.id
    )
    members = await network_members(session=session, actor=admin.principal, network_id=network.id)
    assert [m.name for m in members] == ["Eastside CBO", "Westside Food Bank"]
    listed = await list_networks(session=session, actor=admin.principal)
    assert [(n.name, n.organizations) for n in listed] == [("Alameda Board", 2)]
    removed = await remove_organization(
        session=session, actor=admin.principal, network_id=network.id, organization_id=west.id
    )
    assert removed
    links = (await session.exec(select(NetworkOrganization))).all()
    assert [link.organization_id for link in links] == [east.id]
    renamed = await rename_network(
        session=session, actor=admin.principal, network_id=network.id, name="East", description=""
    )
    assert renamed.name == "East"


async def test_names_are_unique_and_required(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    await create_network(session=session, actor=admin.principal, name="King Board")
    with pytest.raises(ValidationFailed) as taken:
        await create_network(session=session, actor=admin.principal, name="king board")
    assert taken.value.errors[0].field == "name"
    with pytest.raises(ValidationFailed):
        await create_network(session=session, actor=admin.principal, name="   ")
    with pytest.raises(ValidationFailed):
        await create_network(session=session, actor=admin.principal, name="x" * 256)


async def test_only_hub_admins_change_networks_and_auditors_list_their_own(
    session: AsyncSession,
) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    org = await make_organization(session)
    staff = await make_person(session, "coach@a.org", organization=org, role=OrgRole.ADMIN)
    a = await create_network(session=session, actor=admin.principal, name="A")
    b = await create_network(session=session, actor=admin.principal, name="B")
    with pytest.raises(Forbidden):
        await create_network(session=session, actor=staff.principal, name="Mine")
    with pytest.raises(Forbidden):
        await add_organization(
            session=session, actor=staff.principal, network_id=a.id, organization_id=org.id
        )
    with pytest.raises(Forbidden):
        await list_networks(session=session, actor=staff.principal)
    auditor = await make_person(session, "board@a.org", is_auditor=True)
    scoped = auditor.principal.__class__(
        user_id=auditor.principal.user_id,
        name="board",
        is_auditor=True,
        auditor_network_id=a.id,
    )
    assert [n.name for n in await list_networks(session=session, actor=scoped)] == ["A"]
    with pytest.raises(NotFound):
        await network_members(session=session, actor=scoped, network_id=b.id)
    wide = await list_networks(session=session, actor=auditor.principal)
    assert [n.name for n in wide] == ["A", "B"]


async def test_unknown_ids_are_not_found_and_change_nothing(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    org = await make_organization(session)
    network = await create_network(session=session, actor=admin.principal, name="A")
    with pytest.raises(NotFound):
        await add_organization(
            session=session,
            actor=admin.principal,
            network_id=network.id,
            organization_id=str(uuid.uuid4()),
        )
    with pytest.raises(NotFound):
        await add_organization(
            session=session,
            actor=admin.principal,
            network_id=str(uuid.uuid4()),
            organization_id=org.id,
        )
    assert (await session.exec(select(NetworkOrganization))).all() == []


async def test_hub_admins_grant_and_revoke_roles(session: AsyncSession) -> None:
    admin = await make_person(session, "root@hub.org", is_hub_admin=True)
    org = await make_organization(session, "Eastside CBO")
    await make_organization(session, "Northside Clinic")
    person = await make_person(session, "new@a.org")
    membership = await grant_role(
        session=session,
        actor=admin.principal,
        user_id=person.user.id,
        organization_id=org.id,
        role=OrgRole.ADMIN,
    )
    assert membership.role == OrgRole.ADMIN
    with pytest.raises(Forbidden):
        await grant_role(
            session=session,
            actor=person.principal,
            user_id=person.user.id,
            organization_id=org.id,
            role=OrgRole.ADMIN,
        )
    with pytest.raises(NotFound):
        await grant_role(
            session=session,
            actor=admin.principal,
            user_id=person.user.id,
            organization_id=str(uuid.uuid4()),
            role=OrgRole.STAFF,
        )
    choices = await organization_choices(session=session, actor=admin.principal, text="north")
    assert [c.name for c in choices] == ["Northside Clinic"]
    assert await revoke_role(
        session=session, actor=admin.principal, user_id=person.user.id, organization_id=org.id
    )
    left = await session.exec(select(Membership).where(Membership.user_id == person.user.id))
    assert left.all() == []
