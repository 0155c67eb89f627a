"""`hub network create | add | list`: the networks a workforce board audits."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import console, load_settings, out, parse_id, require_current, run
from hub.container import build_container
from hub.core.db import transaction
from hub.core.settings import Settings
from hub.identity.principal import SYSTEM
from providers.networks import add_organization, create_network, list_networks

network_app = typer.Typer(
    help="Manage networks (the partners a board audits).", no_args_is_help=True
)


async def _create(settings: Settings, name: str, description: str) -> str:
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            network = await create_network(
                session=session, actor=SYSTEM, name=name, description=description
            )
            return network.id
    finally:
        await container.close()


async def _add(settings: Settings, network_id: str, organization_ids: list[str]) -> list[bool]:
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            return [
                await add_organization(
                    session=session, actor=SYSTEM, network_id=network_id, organization_id=org
                )
                for org in organization_ids
            ]
    finally:
        await container.close()


async def _list(settings: Settings) -> list[tuple[str, str, int]]:
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            found = await list_networks(session=session, actor=SYSTEM)
            return [(n.id, n.name, n.organizations) for n in found]
    finally:
        await container.close()


@network_app.command("create")
def network_create(
    name: Annotated[str, typer.Option(help="Unique name, e.g. 'Alameda Workforce Board'.")],
    description: Annotated[str, typer.Option(help="What the network is.")] = "",
) -> None:
    """Create a network; prints its id."""
    settings = load_settings()
    require_current(settings)
    network_id = run(_create(settings, name, description))
    console.print(f"Created network {name.strip()!r} ({network_id}).")
    out.print(network_id)


@network_app.command("add")
def network_add(
    network: Annotated[str, typer.Option("--network", help="The network: UUID or API id.")],
    org: Annotated[
        list[str],
        typer.Option("--org", help="An organization to add (UUID or API id); repeat for more."),
    ],
) -> None:
    """Add organizations to a network (ones already in it are left as they are)."""
    network_id = parse_id(network, "Network", "--network")
    org_ids = [parse_id(o, "Organization", "--org") for o in org]
    settings = load_settings()
    require_current(settings)
    added = run(_add(settings, network_id, org_ids))
    for org_id, new in zip(org_ids, added, strict=True):
        console.print(f"{'Added' if new else 'Already in the network:'} {org_id}")
    out.print(sum(added))


@network_app.command("list")
def network_list() -> None:
    """Every network with its id and number of organizations."""
    settings = load_settings()
    require_current(settings)
    for network_id, name, count in run(_list(settings)):
        out.print(f"{network_id}  {count:>5}  {name}", markup=False)
