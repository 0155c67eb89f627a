"""The web console: server-rendered pages for coaches, partner staff, boards and hub admins.

One module per page group; each builds its routes over the shared `Console` (`base.py`).
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from hub.container import Container
from hub.web.console.admin import AdminPages
from hub.web.console.admin_imports import ImportPages
from hub.web.console.admin_invitations import InvitationPages
from hub.web.console.admin_organizations import OrganizationPages
from hub.web.console.admin_users import AdminUserPages
from hub.web.console.auth import AuthPages
from hub.web.console.base import Console, not_found
from hub.web.console.board import BoardPages
from hub.web.console.listings import ListingPages
from hub.web.console.referrals import ReferralPages
from hub.web.console.search import SearchPages
from hub.web.console.services import ServicePages
from hub.web.console.settings import SettingsPages
from hub.web.console.shared_list import SharedListPages


class ConsoleSite:
    """The console's routes and its 404 page, over one shared `Console`."""

    def __init__(self, container: Container) -> None:
        self.console = Console(container)
        self._not_found = self.console.page(not_found, signed_in=False)

    def routes(self) -> list[BaseRoute]:
        """Every console route, plus the static files (vendored libraries included)."""
        return _routes(self.console)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """Unmatched paths: the console's 404 page for browsers, a plain 404 for programs."""
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            response: Response = await self._not_found(request)
            return response
        return PlainTextResponse("Not Found", status_code=404)


def _routes(console: Console) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    routes.extend(AuthPages(console).routes())
    # Page groups register here, one line each.
    routes.extend(SearchPages(console).routes())
    routes.extend(ServicePages(console).routes())
    routes.extend(SharedListPages(console).routes())
    routes.extend(BoardPages(console).routes())
    routes.extend(AdminPages(console).routes())
    routes.extend(AdminUserPages(console).routes())
    routes.extend(InvitationPages(console).routes())
    routes.extend(OrganizationPages(console).routes())
    routes.extend(ImportPages(console).routes())
    routes.extend(ReferralPages(console).routes())
    routes.extend(ListingPages(console).routes())
    routes.extend(SettingsPages(console).routes())
    static = StaticFiles(packages=[("hub.web", "static")])
    routes.append(Mount("/static", app=GZipMiddleware(static, minimum_size=500), name="static"))
    return routes
