"""Organizations for hub admins: create one, and merge a duplicate into the one kept.

Both call the domain (`providers.organizations.create_organization`,
`referrals.organization_merge.merge_organizations`), which checks the role and does the work in
one transaction.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ValidationFailed
from hub.core.ids import is_uuid
from hub.web.console.admin import text
from hub.web.console.base import Console, Viewer, field_errors
from providers.organizations import create_organization
from providers.staff import organization_choices
from referrals.organization_merge import merge_organizations


class OrganizationPages:
    """`/admin/organizations`: create and merge."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The two forms."""
        return await self._page(viewer, {}, {}, 200)

    async def _page(
        self,
        viewer: Viewer,
        values: dict[str, str],
        errors: dict[str, str],
        status: int,
        *,
        merged: str | None = None,
        created: str | None = None,
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            orgs = await organization_choices(session=session, actor=viewer.principal)
        options = [("", viewer.gettext("Choose…"))] + [(o.id, o.name) for o in orgs]
        return self.console.render(
            viewer,
            "console/admin/organizations.html",
            title=viewer.gettext("Organizations"),
            status=status,
            values=values,
            errors=errors,
            org_options=options,
            merged=merged,
            created=created,
        )

    async def create(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/organizations`: a new organization with a name and description."""
        form = await self.console.form(request, viewer)
        values = {"name": text(form, "name"), "description": text(form, "description", 2000)}
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                made = await create_organization(
                    session=session, actor=viewer.principal, clock=container.clock, data=values
                )
                name = made.name
        except ValidationFailed as exc:
            return await self._page(viewer, values, field_errors(exc, viewer.gettext), 400)
        return await self._page(viewer, {}, {}, 200, created=name)

    async def merge(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/organizations/merge`: move the duplicate into the kept one."""
        form = await self.console.form(request, viewer)
        values = {k: text(form, k, 64).lower() for k in ("keep", "duplicate")}
        errors = {
            k: viewer.gettext("Choose an organization from the list.")
            for k, v in values.items()
            if not is_uuid(v)
        }
        if not text(form, "confirm", 5):
            errors["confirm"] = viewer.gettext("Tick the box to confirm the merge.")
        if errors:
            return await self._page(viewer, values, errors, 400)
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                names = {
                    o.id: o.name
                    for o in await organization_choices(session=session, actor=viewer.principal)
                }
                await merge_organizations(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    keep_id=values["keep"],
                    duplicate_id=values["duplicate"],
                )
        except ValidationFailed as exc:
            return await self._page(viewer, values, field_errors(exc, viewer.gettext), 400)
        merged = f"{names.get(values['duplicate'], '')} → {names.get(values['keep'], '')}"
        return await self._page(viewer, {}, {}, 200, merged=merged)

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/admin/organizations", page(self.show), methods=["GET"]),
            Route("/admin/organizations", page(self.create), methods=["POST"]),
            Route("/admin/organizations/merge", page(self.merge), methods=["POST"]),
            # A page answered to a POST can switch language, which reloads its URL with GET.
            Route("/admin/organizations/merge", page(self.show), methods=["GET"]),
        ]
