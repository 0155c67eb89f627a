"""The client's link from the referral page: issue one (its address shown once), revoke one."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ValidationFailed
from hub.web.console.base import Console, Viewer, field_errors
from hub.web.console.referral_detail import MAX_ID, ReferralDetailPages
from referrals.links import issue_link, revoke_link


class ReferralLinkPages:
    """Forms on `/referrals/<id>` that issue and revoke the client's link."""

    def __init__(self, console: Console, detail: ReferralDetailPages) -> None:
        self.console = console
        self.detail = detail

    async def issue(self, request: Request, viewer: Viewer) -> Response:
        """Issue a link; the page shows its address this once (never in a URL or a log)."""
        await self.console.form(request, viewer)
        referral_id = str(request.path_params["referral_id"])[: MAX_ID + 1]
        container = self.console.container
        settings = container.settings
        try:
            async with transaction(container.session_factory) as session:
                issued = await issue_link(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    referral_id=referral_id,
                    ttl=timedelta(days=settings.client_link_ttl_days),
                )
        except ValidationFailed as exc:
            details = await self.detail.details(viewer, referral_id)
            errors = {"_form": next(iter(field_errors(exc, viewer.gettext).values()))}
            return self.detail.page(viewer, details, status=400, errors=errors)
        url = f"{settings.public_base_url.rstrip('/')}/r/{issued.token}"
        details = await self.detail.details(viewer, referral_id)
        return self.detail.page(viewer, details, issued_url=url)

    async def revoke(self, request: Request, viewer: Viewer) -> Response:
        """Revoke a link at once (the referral's staff on either side, as the domain allows)."""
        await self.console.form(request, viewer)
        link_id = str(request.path_params["link_id"])[: MAX_ID + 1]
        container = self.console.container
        async with transaction(container.session_factory) as session:
            link = await revoke_link(
                session=session, actor=viewer.principal, clock=container.clock, link_id=link_id
            )
            referral_id = link.referral_id
        return self.console.redirect(viewer, f"/referrals/{referral_id}?done=link")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/referrals/{referral_id}/links", page(self.issue), methods=["POST"]),
            Route("/referrals/links/{link_id}/revoke", page(self.revoke), methods=["POST"]),
        ]
