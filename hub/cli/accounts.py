"""`hub user create` and `hub token create`."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from hub.cli.common import (
    EXIT_USAGE,
    console,
    fail,
    load_settings,
    out,
    parse_id,
    require_current,
    run,
)
from hub.container import build_container
from hub.core.db import transaction
from hub.core.errors import NotFound
from hub.core.settings import Settings
from hub.identity.admin import set_auditor_network
from hub.identity.models import OrgRole
from hub.identity.principal import SYSTEM
from hub.identity.service import create_user, get_user_by_email, grant_membership, issue_token
from providers.models import Organization

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


class RoleChoice(StrEnum):
    """Roles a user can hold in an organization."""

    ORG_ADMIN = "org_admin"
    ORG_STAFF = "org_staff"


async def _create_user(
    settings: Settings,
    *,
    email: str,
    name: str,
    password: str,
    hub_admin: bool,
    auditor: bool,
    org: str | None,
    role: RoleChoice,
    network: str | None = None,
) -> str:
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            if org is not None and await session.get(Organization, org) is None:
                raise NotFound("Organization", org)
            user = await create_user(
                session=session,
                email=email,
                name=name,
                password=password,
                is_hub_admin=hub_admin,
                is_auditor=auditor,
            )
            if network is not None:
                # Through the admin use case, which checks that the network exists.
                await set_auditor_network(
                    session=session, actor=SYSTEM, user_id=user.id, network_id=network
                )
            if org is not None:
                await grant_membership(
                    session=session, user_id=user.id, organization_id=org, role=OrgRole(role)
                )
            return user.id
    finally:
        await container.close()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Sign-in email (unique).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    password: Annotated[
        str | None,
        typer.Option(
            envvar="HUB_NEW_USER_PASSWORD",
            help="At least 10 characters; prompted for (on stderr) when not given.",
        ),
    ] = None,
    hub_admin: Annotated[
        bool, typer.Option("--hub-admin", help="Full control of the hub.")
    ] = False,
    auditor: Annotated[
        bool, typer.Option("--auditor", help="Read-only, network-wide, no client data.")
    ] = False,
    org: Annotated[
        str | None,
        typer.Option("--org", help="Organization to join: its id as the API shows it, or UUID."),
    ] = None,
    role: Annotated[
        RoleChoice | None, typer.Option(help="Role in --org (default org_staff).")
    ] = None,
    network: Annotated[
        str | None,
        typer.Option("--network", help="With --auditor: the one network audited (UUID or API id)."),
    ] = None,
) -> None:
    """Create a user, optionally as admin or staff of an organization."""
    if role is not None and org is None:
        fail("--role needs --org (the organization the role is in).", EXIT_USAGE)
    if hub_admin and auditor:
        fail("choose --hub-admin or --auditor, not both.", EXIT_USAGE)
    if network is not None and not auditor:
        fail("--network needs --auditor (only auditors are tied to a network).", EXIT_USAGE)
    org_id = parse_id(org, "Organization", "--org") if org is not None else None
    network_id = parse_id(network, "Network", "--network") if network is not None else None
    settings = load_settings()
    require_current(settings)
    if password is None:
        # On stderr, like every message: stdout carries only the new user's id.
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    user_id = run(
        _create_user(
            settings,
            email=email,
            name=name,
            password=password,
            hub_admin=hub_admin,
            auditor=auditor,
            org=org_id,
            role=role or RoleChoice.ORG_STAFF,
            network=network_id,
        )
    )
    console.print(f"Created user {email.strip().lower()} ({user_id}).")
    out.print(user_id)


async def _create_token(settings: Settings, *, email: str, ttl: timedelta, name: str) -> str:
    container = build_container(settings)
    try:
        async with transaction(container.session_factory) as session:
            user = await get_user_by_email(session=session, email=email)
            issued = await issue_token(
                session=session, user=user, name=name, ttl=ttl, clock=container.clock
            )
            return issued.token
    finally:
        await container.close()


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    ttl_hours: Annotated[
        int | None, typer.Option(min=1, help="Lifetime in hours (default HUB_TOKEN_TTL_HOURS).")
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Issue an API token for a user; it is printed once and never stored in plain text."""
    settings = load_settings()
    require_current(settings)
    hours = ttl_hours if ttl_hours is not None else settings.token_ttl_hours
    token = run(_create_token(settings, email=email, ttl=timedelta(hours=hours), name=name))
    console.print(f"Token for {email} valid {hours} hours (shown once; store it safely):")
    out.print(token)
