"""An organization's listings: `/listings` (profile, services, hours, capacity, places) and
"mark verified", with stale listings flagged (older than HUB_STALE_AFTER_DAYS).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import Conflict
from hub.web.console.base import Console, Viewer
from providers import batch
from providers.listings import organization_listings
from providers.models import CapacityStatus
from providers.queries import get_service
from providers.verification import mark_service_verified

MAX_ID = 64


def _(message: str) -> str:
    return message


CAPACITY: dict[CapacityStatus, str] = {
    CapacityStatus.CAPACITY: _("Taking new clients"),
    CapacityStatus.WAITLIST: _("Waitlist"),
    CapacityStatus.NO_CAPACITY: _("Not taking new clients"),
    CapacityStatus.ADDITIONAL_ASSESSMENT_REQUIRED: _("Assessment needed first"),
}
DAYS: dict[str, str] = {
    "MO": _("Mon"),
    "TU": _("Tue"),
    "WE": _("Wed"),
    "TH": _("Thu"),
    "FR": _("Fri"),
    "SA": _("Sat"),
    "SU": _("Sun"),
}


class ListingPages:
    """The listings page and its "mark verified" form."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _organizations(self, viewer: Viewer) -> list[tuple[str, str]]:
        ids = sorted(viewer.principal.organization_ids)
        async with transaction(self.console.container.session_factory) as session:
            rows = await batch.organization_by_id(session, ids)
        return sorted(((o.id, o.name) for o in rows if o is not None), key=lambda pair: pair[1])

    async def _render(
        self,
        viewer: Viewer,
        organization_id: str,
        *,
        status: int = 200,
        verified: str | None = None,
        conflict: bool = False,
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            listings = await organization_listings(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                organization_id=organization_id,
                stale_after_days=container.settings.stale_after_days,
            )
        return self.console.render(
            viewer,
            "console/listings/listings.html",
            title=viewer.gettext("Listings of %(org)s") % {"org": listings.organization.name},
            status=status,
            listings=listings,
            organizations=await self._organizations(viewer),
            stale_after_days=container.settings.stale_after_days,
            capacity_labels=CAPACITY,
            day_labels=DAYS,
            verified=verified,
            conflict=conflict,
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The chosen (or first) organization's listings."""
        chosen = str(request.query_params.get("org") or "")[: MAX_ID + 1]
        if not chosen:
            own = await self._organizations(viewer)
            if not own:
                return self.console.notice(
                    viewer,
                    status=404,
                    heading=viewer.gettext("No listings to show"),
                    message=viewer.gettext(
                        "Your account belongs to no organization. Hub admins open an "
                        "organization's listings with /listings?org=<organization id>."
                    ),
                    back=self.console.home(viewer),
                )
            chosen = own[0][0]
        verified = str(request.query_params.get("verified") or "")[: MAX_ID + 1] or None
        return await self._render(viewer, chosen, verified=verified)

    async def verify(self, request: Request, viewer: Viewer) -> Response:
        """Mark one service verified (its organization's admins and hub admins)."""
        form = await self.console.form(request, viewer)
        service_id = str(request.path_params["service_id"])[: MAX_ID + 1]
        raw_version = str(form.get("version") or "").strip()
        version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else None
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                row = await mark_service_verified(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    service_id=service_id,
                    expected_version=version,
                )
                organization_id = row.organization_id
        except Conflict:
            async with transaction(container.session_factory) as session:
                current = await get_service(
                    session=session, actor=viewer.principal, service_id=service_id
                )
            return await self._render(viewer, current.organization_id, status=409, conflict=True)
        query = urlencode({"org": organization_id, "verified": service_id})
        return self.console.redirect(viewer, f"/listings?{query}#service-{service_id}")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/listings", page(self.show), methods=["GET"]),
            Route("/listings/services/{service_id}/verify", page(self.verify), methods=["POST"]),
        ]
