"""The hub administrators' pages (`/admin…`): the start page and networks.

Hub admins only: every domain function called here checks it (`Forbidden` otherwise). Forms
post and redirect (303); a refused value is shown beside its field and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import NotFound, ValidationFailed
from hub.core.ids import is_uuid
from hub.identity.admin import list_users
from hub.web.console.base import Console, Viewer, field_errors
from providers.networks import (
    add_organization,
    create_network,
    list_networks,
    network_members,
    remove_organization,
    rename_network,
)
from providers.staff import organization_choices

MAX_TEXT = 2000


def text(form: FormData, name: str, limit: int = 255) -> str:
    """A form value as text (files and absent values are ''), cut to a sane length."""
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""


def path_id(request: Request, name: str = "id") -> str:
    """An id from the path; anything not shaped like one is simply not found."""
    value = str(request.path_params[name]).lower()
    if not is_uuid(value):
        raise NotFound("Record", value[:64])
    return value


class AdminPages:
    """The start page and networks."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def index(self, request: Request, viewer: Viewer) -> Response:
        """`/admin`: networks (with a form to create one) and users (searchable)."""
        search = (request.query_params.get("q") or "").strip()[:100]
        return await self._index(viewer, search=search, values={}, errors={}, status=200)

    async def _index(
        self,
        viewer: Viewer,
        *,
        search: str,
        values: dict[str, str],
        errors: dict[str, str],
        status: int,
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            users = await list_users(session=session, actor=viewer.principal, text=search)
            networks = await list_networks(session=session, actor=viewer.principal)
        names = {n.id: n.name for n in networks}
        return self.console.render(
            viewer,
            "console/admin/index.html",
            title=viewer.gettext("Administration"),
            status=status,
            users=users,
            networks=networks,
            network_names=names,
            search=search,
            values=values,
            errors=errors,
            created=None,
        )

    async def create_network(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/networks`: create a network, then open it."""
        form = await self.console.form(request, viewer)
        values = {"name": text(form, "name"), "description": text(form, "description", MAX_TEXT)}
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                network = await create_network(session=session, actor=viewer.principal, **values)
        except ValidationFailed as exc:
            errors = field_errors(exc, viewer.gettext)
            return await self._index(viewer, search="", values=values, errors=errors, status=400)
        return self.console.redirect(viewer, f"/admin/networks/{network.id}?done=created")

    async def network(self, request: Request, viewer: Viewer) -> Response:
        """`/admin/networks/<id>`: rename it, see its organizations, add and remove them."""
        return await self._network(viewer, path_id(request), {}, {}, 200, request)

    async def _network(
        self,
        viewer: Viewer,
        network_id: str,
        values: dict[str, str],
        errors: dict[str, str],
        status: int,
        request: Request | None = None,
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            members = await network_members(
                session=session, actor=viewer.principal, network_id=network_id
            )
            networks = await list_networks(session=session, actor=viewer.principal)
            choices = await organization_choices(session=session, actor=viewer.principal)
        network = next(n for n in networks if n.id == network_id)
        inside = {m.id for m in members}
        done = request.query_params.get("done") if request is not None else None
        return self.console.render(
            viewer,
            "console/admin/network.html",
            title=network.name,
            status=status,
            network=network,
            members=members,
            choices=[(c.id, c.name) for c in choices if c.id not in inside],
            values=values or {"name": network.name, "description": network.description},
            errors=errors,
            done=done if done in {"created", "renamed", "added", "removed", "kept"} else None,
        )

    async def rename(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/networks/<id>`: change the name and description."""
        network_id = path_id(request)
        form = await self.console.form(request, viewer)
        values = {"name": text(form, "name"), "description": text(form, "description", MAX_TEXT)}
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                await rename_network(
                    session=session, actor=viewer.principal, network_id=network_id, **values
                )
        except ValidationFailed as exc:
            errors = field_errors(exc, viewer.gettext)
            return await self._network(viewer, network_id, values, errors, 400)
        return self.console.redirect(viewer, f"/admin/networks/{network_id}?done=renamed")

    async def change_members(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/networks/<id>/organizations`: add (or with `remove`, take out) one."""
        network_id = path_id(request)
        form = await self.console.form(request, viewer)
        organization = text(form, "organization", 64).strip().lower()
        removing = text(form, "action", 10) == "remove"
        if not is_uuid(organization):
            message = viewer.gettext("Choose an organization from the list.")
            return await self._network(viewer, network_id, {}, {"organization": message}, 400)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            change: Any = remove_organization if removing else add_organization
            changed = await change(
                session=session,
                actor=viewer.principal,
                network_id=network_id,
                organization_id=organization,
            )
        done = ("removed" if removing else "added") if changed else "kept"
        return self.console.redirect(viewer, f"/admin/networks/{network_id}?done={done}")

    async def back(self, request: Request, viewer: Viewer) -> Response:
        """GET on a form's POST address (e.g. after switching language): to its page."""
        path = request.url.path.rstrip("/")
        for suffix in ("/organizations", "/roles", "/network", "/deactivate", "/activate",
                       "/password", "/tokens", "/revoke"):  # fmt: skip
            if path.endswith(suffix) and path.count("/") == 4:
                path = path.removesuffix(suffix)
                break
        if path in ("/admin/networks", "/admin/users"):
            path = "/admin"
        elif path == "/admin/invitations":
            path = "/admin/invitations/new"
        return self.console.redirect(viewer, path)

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/admin", page(self.index), methods=["GET"]),
            Route("/admin/networks", page(self.back), methods=["GET"]),
            Route("/admin/users", page(self.back), methods=["GET"]),
            Route("/admin/invitations", page(self.back), methods=["GET"]),
            Route("/admin/networks/{id}/organizations", page(self.back), methods=["GET"]),
            Route("/admin/networks", page(self.create_network), methods=["POST"]),
            Route("/admin/networks/{id}", page(self.network), methods=["GET"]),
            Route("/admin/networks/{id}", page(self.rename), methods=["POST"]),
            Route(
                "/admin/networks/{id}/organizations", page(self.change_members), methods=["POST"]
            ),
        ]
