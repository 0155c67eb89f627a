"""The hub administrators' user pages: create, roles, auditor network, status, passwords, tokens.

A new token's value is shown once, on the page that answers the form (never in a redirect URL,
a log or a later page).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.ids import is_uuid
from hub.identity.admin import (
    create_account,
    get_user,
    issue_user_token,
    list_tokens,
    reset_password,
    set_active,
    set_auditor_network,
)
from hub.identity.models import OrgRole
from hub.identity.service import revoke_token
from hub.web.console.admin import path_id, text
from hub.web.console.base import Console, Viewer, field_errors
from providers.networks import list_networks
from providers.staff import grant_role, organization_choices, revoke_role

ROLES = ("staff", "auditor", "hub_admin")
DONE = {"created", "role", "unrole", "network", "off", "on", "password", "revoked"}


class AdminUserPages:
    """Users: the new-user form and one page per user."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _choices(self, viewer: Viewer) -> dict[str, Any]:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=viewer.principal)
            orgs = await organization_choices(session=session, actor=viewer.principal)
        return {
            "network_options": [("", viewer.gettext("Every network"))]
            + [(n.id, n.name) for n in networks],
            "network_names": {n.id: n.name for n in networks},
            "org_options": [("", viewer.gettext("None"))] + [(o.id, o.name) for o in orgs],
            "org_names": {o.id: o.name for o in orgs},
        }

    async def new(self, request: Request, viewer: Viewer) -> Response:
        """`/admin/users/new`: the form for a new account."""
        values = {"role": "staff", "org_role": "org_staff"}
        network = (request.query_params.get("network") or "").lower()
        if is_uuid(network):
            values.update(role="auditor", network=network)
        return await self._new(viewer, values, {}, 200)

    async def _new(
        self, viewer: Viewer, values: dict[str, str], errors: dict[str, str], status: int
    ) -> Response:
        return self.console.render(
            viewer,
            "console/admin/user_new.html",
            title=viewer.gettext("New user"),
            status=status,
            values=values,
            errors=errors,
            **await self._choices(viewer),
        )

    async def create(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/users`: create the account (and its role), then open its page."""
        form = await self.console.form(request, viewer)
        values = {
            k: text(form, k, 1024 if k == "password" else 255)
            for k in ("email", "name", "password", "role", "network", "organization", "org_role")
        }
        role = values["role"] if values["role"] in ROLES else "staff"
        errors: dict[str, str] = {}
        network = values["network"].lower() if role == "auditor" else ""
        organization = values["organization"].lower()
        if network and not is_uuid(network):
            errors["network"] = viewer.gettext("Choose a network from the list.")
        if organization and not is_uuid(organization):
            errors["organization"] = viewer.gettext("Choose an organization from the list.")
        org_role = OrgRole.ADMIN if values["org_role"] == "org_admin" else OrgRole.STAFF
        if errors:
            return await self._new(viewer, {**values, "password": ""}, errors, 400)
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                user = await create_account(
                    session=session,
                    actor=viewer.principal,
                    email=values["email"],
                    name=values["name"],
                    password=values["password"],
                    is_hub_admin=role == "hub_admin",
                    is_auditor=role == "auditor",
                    auditor_network_id=network or None,
                )
                if organization:
                    await grant_role(
                        session=session,
                        actor=viewer.principal,
                        user_id=user.id,
                        organization_id=organization,
                        role=org_role,
                    )
        except ValidationFailed as exc:
            errors = field_errors(exc, viewer.gettext)
            return await self._new(viewer, {**values, "password": ""}, errors, 400)
        return self.console.redirect(viewer, f"/admin/users/{user.id}?done=created")

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """`/admin/users/<id>`: the account, its roles, network, status and tokens."""
        done = request.query_params.get("done")
        return await self._show(viewer, path_id(request), {}, 200, done=done)

    async def _show(
        self,
        viewer: Viewer,
        user_id: str,
        errors: dict[str, str],
        status: int,
        *,
        done: str | None = None,
        issued: str | None = None,
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            user = await get_user(session=session, actor=viewer.principal, user_id=user_id)
            tokens = await list_tokens(session=session, actor=viewer.principal, user_id=user_id)
        return self.console.render(
            viewer,
            "console/admin/user.html",
            title=user.name,
            status=status,
            user=user,
            tokens=tokens,
            errors=errors,
            done=done if done in DONE else None,
            issued=issued,
            **await self._choices(viewer),
        )

    async def act(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/users/<id>/<action>`: one change to the account, then back to it."""
        user_id = path_id(request)
        action = str(request.path_params["action"])
        form = await self.console.form(request, viewer)
        container = self.console.container
        actor, clock = viewer.principal, container.clock
        try:
            async with transaction(container.session_factory) as session:
                if action == "roles":
                    organization = text(form, "organization", 64).lower()
                    if not is_uuid(organization):
                        message = viewer.gettext("Choose an organization from the list.")
                        raise ValidationFailed.single("organization", ErrorCode.INVALID, message)
                    role = OrgRole.ADMIN if text(form, "org_role") == "org_admin" else OrgRole.STAFF
                    if text(form, "remove", 10):
                        await revoke_role(
                            session=session,
                            actor=actor,
                            user_id=user_id,
                            organization_id=organization,
                        )
                        done = "unrole"
                    else:
                        await grant_role(
                            session=session,
                            actor=actor,
                            user_id=user_id,
                            organization_id=organization,
                            role=role,
                        )
                        done = "role"
                elif action == "network":
                    network = text(form, "network", 64).lower()
                    if network and not is_uuid(network):
                        message = viewer.gettext("Choose a network from the list.")
                        raise ValidationFailed.single("network", ErrorCode.INVALID, message)
                    await set_auditor_network(
                        session=session, actor=actor, user_id=user_id, network_id=network or None
                    )
                    done = "network"
                elif action in ("deactivate", "activate"):
                    active = action == "activate"
                    await set_active(
                        session=session, actor=actor, clock=clock, user_id=user_id, active=active
                    )
                    done = "on" if active else "off"
                elif action == "password":
                    await reset_password(
                        session=session,
                        actor=actor,
                        clock=clock,
                        user_id=user_id,
                        password=text(form, "password", 1024),
                    )
                    done = "password"
                elif action == "tokens":
                    days = text(form, "days", 5).strip()
                    issued = await issue_user_token(
                        session=session,
                        actor=actor,
                        clock=clock,
                        user_id=user_id,
                        name=text(form, "token_name", 100),
                        days=int(days) if days.isdigit() else 0,
                    )
                    token_value = issued.token
                elif action == "revoke":
                    token_id = text(form, "token", 64).lower()
                    if not is_uuid(token_id):
                        message = viewer.gettext("That token is not this user's.")
                        raise ValidationFailed.single("token", ErrorCode.INVALID, message)
                    await revoke_token(session=session, actor=actor, token_id=token_id, clock=clock)
                    done = "revoked"
                else:
                    return self.console.notice(
                        viewer,
                        status=404,
                        heading=viewer.gettext("Not found"),
                        message=viewer.gettext("There is nothing here, or it is not yours to see."),
                        back=f"/admin/users/{user_id}",
                    )
        except ValidationFailed as exc:
            return await self._show(viewer, user_id, field_errors(exc, viewer.gettext), 400)
        if action == "tokens":
            # Shown once, on this answer; never put in a URL.
            return await self._show(viewer, user_id, {}, 200, issued=token_value)
        return self.console.redirect(viewer, f"/admin/users/{user_id}?done={done}")

    async def reload(self, request: Request, viewer: Viewer) -> Response:
        """GET on an action's address: back to the user's page."""
        return self.console.redirect(viewer, f"/admin/users/{path_id(request)}")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/admin/users/new", page(self.new), methods=["GET"]),
            Route("/admin/users", page(self.create), methods=["POST"]),
            Route("/admin/users/{id}", page(self.show), methods=["GET"]),
            Route("/admin/users/{id}/{action}", page(self.act), methods=["POST"]),
            # Switching language on a page answered to a POST reloads its address with GET.
            Route("/admin/users/{id}/{action}", page(self.reload), methods=["GET"]),
        ]
