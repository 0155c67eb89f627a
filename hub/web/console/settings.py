"""Notification settings: `/settings` (which emails reach me; an organization's webhooks) and
`/settings/webhooks/<id>` (its deliveries, with redelivery).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import Forbidden, ValidationFailed
from hub.web.console.base import Console, Viewer, field_errors
from providers import batch
from referrals.notifications import manage, runtime, webhooks
from referrals.notifications.preferences import (
    EMAIL_KINDS,
    email_preferences,
    set_email_preferences,
)
from referrals.notifications.subscription_state import set_subscription_active

log = logging.getLogger(__name__)
MAX_ID = 64
TOPICS = (
    "referral.created",
    "referral.sent",
    "referral.status_changed",
    "referral.viewed",
    "referral.note_added",
    "referral.client_action",
    "referral.link_issued",
    "referral.link_revoked",
)


def _(message: str) -> str:
    return message


EMAIL_LABELS: dict[str, str] = {
    "new_referral": _("A referral arrives for my organization"),
    "status_changed": _("A referral I sent changes status"),
    "sla_reminder": _("Reminder: a referral to my organization is waiting"),
    "sla_escalated": _("A referral I sent has had no answer in time"),
}


def _ident(value: object) -> str:
    return str(value or "").strip()[: MAX_ID + 1]


class SettingsPages:
    """The notification settings pages and their forms."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _page(
        self,
        viewer: Viewer,
        organization_id: str,
        *,
        status: int = 200,
        saved: str | None = None,
        secret: str | None = None,
        errors: dict[str, str] | None = None,
        posted: dict[str, Any] | None = None,
    ) -> Response:
        container = self.console.container
        actor = viewer.principal
        async with transaction(container.session_factory) as session:
            preferences = await email_preferences(session=session, actor=actor)
            ids = sorted(actor.organization_ids)
            orgs = sorted(
                ((o.id, o.name) for o in await batch.organization_by_id(session, ids) if o),
                key=lambda pair: pair[1],
            )
            chosen = organization_id or (orgs[0][0] if orgs else "")
            subscriptions = None
            if chosen:
                try:
                    subscriptions = await webhooks.list_subscriptions(
                        session=session, actor=actor, organization_id=chosen
                    )
                except Forbidden:
                    subscriptions = None  # staff, not admins: no webhook section
        return self.console.render(
            viewer,
            "console/settings/settings.html",
            title=viewer.gettext("Notification settings"),
            status=status,
            preferences=preferences,
            kinds=EMAIL_KINDS,
            email_labels=EMAIL_LABELS,
            organizations=orgs,
            chosen=chosen,
            subscriptions=subscriptions,
            topics=TOPICS,
            saved=saved,
            secret=secret,
            errors=errors or {},
            posted=posted or {},
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """Email choices for everyone; webhooks for the chosen organization's admins."""
        saved = request.query_params.get("saved")
        return await self._page(
            viewer,
            _ident(request.query_params.get("org")),
            saved=saved if saved in {"email", "webhook", "removed"} else None,
        )

    async def save_email(self, request: Request, viewer: Viewer) -> Response:
        """Keep the ticked kinds of email on and the others off."""
        form = await self.console.form(request, viewer)
        enabled = {str(v) for v in form.getlist("email")}
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                await set_email_preferences(
                    session=session, actor=viewer.principal, clock=container.clock, enabled=enabled
                )
        except ValidationFailed as exc:
            return await self._page(
                viewer, "", status=400, errors=field_errors(exc, viewer.gettext)
            )
        return self.console.redirect(viewer, "/settings?saved=email")

    async def add_webhook(self, request: Request, viewer: Viewer) -> Response:
        """Subscribe an endpoint; the page shows its signing secret this once."""
        form = await self.console.form(request, viewer)
        organization_id = _ident(form.get("org"))
        url = str(form.get("url") or "")[:2100]
        topics = [str(t)[:100] for t in form.getlist("topics")][: len(TOPICS)]
        container = self.console.container
        settings = container.settings
        try:
            async with transaction(container.session_factory) as session:
                _row, secret = await webhooks.create_subscription(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    organization_id=organization_id,
                    url=url,
                    topics=topics,
                    allow_http=settings.debug,
                    allowed_hosts=settings.webhook_allow_hosts,
                )
        except ValidationFailed as exc:
            return await self._page(
                viewer,
                organization_id,
                status=400,
                errors=field_errors(exc, viewer.gettext),
                posted={"url": url, "topics": topics},
            )
        # Rendered, not redirected: the secret must not travel in a URL or be shown again.
        return await self._page(viewer, organization_id, saved="webhook", secret=secret)

    async def set_active(self, request: Request, viewer: Viewer) -> Response:
        """Pause or resume a webhook."""
        form = await self.console.form(request, viewer)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            row = await set_subscription_active(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                subscription_id=_ident(request.path_params["subscription_id"]),
                active=form.get("active") == "yes",
            )
            organization_id = row.organization_id
        query = urlencode({"org": organization_id, "saved": "webhook"})
        return self.console.redirect(viewer, f"/settings?{query}#webhooks")

    async def remove(self, request: Request, viewer: Viewer) -> Response:
        """Remove a webhook (its delivery log stays)."""
        form = await self.console.form(request, viewer)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            await webhooks.delete_subscription(
                session=session,
                actor=viewer.principal,
                subscription_id=_ident(request.path_params["subscription_id"]),
            )
        query = urlencode({"org": _ident(form.get("org")), "saved": "removed"})
        return self.console.redirect(viewer, f"/settings?{query}#webhooks")

    async def deliveries(self, request: Request, viewer: Viewer) -> Response:
        """A webhook's latest deliveries, newest first, each with a redeliver button."""
        subscription_id = _ident(request.path_params["subscription_id"])
        container = self.console.container
        async with transaction(container.session_factory) as session:
            rows = await manage.list_deliveries(
                session=session, actor=viewer.principal, subscription_id=subscription_id
            )
        return self.console.render(
            viewer,
            "console/settings/deliveries.html",
            title=viewer.gettext("Webhook deliveries"),
            deliveries=rows,
            subscription_id=subscription_id,
            back_org=_ident(request.query_params.get("org")),
            redelivered=request.query_params.get("redelivered") == "1",
        )

    async def redeliver(self, request: Request, viewer: Viewer) -> Response:
        """Queue one delivery again (and re-enable its webhook), as `webhookRedeliver` does."""
        await self.console.form(request, viewer)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            row = await manage.redeliver(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                delivery_id=_ident(request.path_params["delivery_id"]),
            )
            delivery_id, subscription_id = row.id, row.subscription_id
        try:
            runtime.current().enqueue.deliver(delivery_id)
        except Exception:
            # No notifications in this process, or the broker is down: the sweeper sends it.
            log.warning("redelivery %s left to the sweeper", delivery_id, exc_info=True)
        return self.console.redirect(viewer, f"/settings/webhooks/{subscription_id}?redelivered=1")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        hook = "/settings/webhooks/{subscription_id}"
        return [
            Route("/settings", page(self.show), methods=["GET"]),
            Route("/settings/email", page(self.save_email), methods=["POST"]),
            Route("/settings/webhooks", page(self.add_webhook), methods=["POST"]),
            Route(hook, page(self.deliveries), methods=["GET"]),
            Route(hook + "/active", page(self.set_active), methods=["POST"]),
            Route(hook + "/delete", page(self.remove), methods=["POST"]),
            Route(
                "/settings/deliveries/{delivery_id}/redeliver",
                page(self.redeliver),
                methods=["POST"],
            ),
        ]
