"""Invitations: a hub admin invites an organization's admin by email; the invitee's own page.

`/admin/invitations/new` (hub admins) creates a one-time link and emails it through the
notification mailer (and shows it once, for when mail is not configured). `/invitation/<token>`
needs no account: the invitee chooses a password, joins the organization and is signed in.
The link's token is never logged (access logs name the route template, not the path).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.ids import is_uuid
from hub.identity.invitations import accept_invitation, open_invitation
from hub.identity.models import OrgRole
from hub.identity.service import issue_token
from hub.web.console.admin import text
from hub.web.console.base import Console, Viewer, field_errors
from hub.web.i18n import LANGUAGES
from providers.invitations import invite
from providers.staff import organization_choices
from referrals.notifications.config import NotificationConfig
from referrals.notifications.email import build_mailer, render

log = logging.getLogger(__name__)


class InvitationPages:
    """Inviting (hub admins) and accepting (anyone holding a valid link)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def new(self, request: Request, viewer: Viewer) -> Response:
        """`/admin/invitations/new`: whom to invite into which organization."""
        org = (request.query_params.get("organization") or "").lower()
        values = {"organization": org if is_uuid(org) else "", "language": viewer.language}
        return await self._form(viewer, values, {}, 200)

    async def _form(
        self, viewer: Viewer, values: dict[str, str], errors: dict[str, str], status: int
    ) -> Response:
        container = self.console.container
        async with transaction(container.session_factory) as session:
            orgs = await organization_choices(session=session, actor=viewer.principal)
        return self.console.render(
            viewer,
            "console/admin/invite.html",
            title=viewer.gettext("Invite an organization admin"),
            status=status,
            values=values,
            errors=errors,
            org_options=[("", viewer.gettext("Choose…"))] + [(o.id, o.name) for o in orgs],
            language_options=list(LANGUAGES.items()),
        )

    async def create(self, request: Request, viewer: Viewer) -> Response:
        """POST `/admin/invitations`: make the link, email it, show it once."""
        form = await self.console.form(request, viewer)
        values = {k: text(form, k) for k in ("email", "name", "organization", "role", "language")}
        organization = values["organization"].lower()
        if not is_uuid(organization):
            message = viewer.gettext("Choose an organization from the list.")
            return await self._form(viewer, values, {"organization": message}, 400)
        role = OrgRole.STAFF if values["role"] == "org_staff" else OrgRole.ADMIN
        language = values["language"] if values["language"] in LANGUAGES else "en"
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                issued, org_name = await invite(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    email=values["email"],
                    name=values["name"],
                    organization_id=organization,
                    role=role,
                )
        except ValidationFailed as exc:
            return await self._form(viewer, values, field_errors(exc, viewer.gettext), 400)
        base = container.settings.public_base_url.rstrip("/")
        link = f"{base}/invitation/{issued.token}"
        sent = await self._email(issued.invitation.email, language, {
            "name": issued.invitation.name,
            "organization_name": org_name,
            "invited_by": viewer.principal.name,
            "expires": issued.invitation.expires_at.date().isoformat(),
            "link": link,
        })  # fmt: skip
        return self.console.render(
            viewer,
            "console/admin/invited.html",
            title=viewer.gettext("Invitation made"),
            email=issued.invitation.email,
            organization_name=org_name,
            link=link,
            sent=sent,
        )

    async def _email(self, to: str, language: str, context: dict[str, str]) -> bool:
        """Send the invitation; False (and a log line without the address) when it cannot."""
        config = NotificationConfig.from_settings(self.console.container.settings)
        if config.smtp is None:
            return False
        message = render("email", "invitation", language, context)
        try:
            await build_mailer(config.smtp).send(
                to=to, subject=message.subject, body=message.body, language=language, headers={}
            )
        except OSError as exc:
            log.warning("invitation email not sent: %s", type(exc).__name__)
            return False
        return True

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """`/invitation/<token>`: the invitee chooses a password (unknown links are 404)."""
        token = str(request.path_params["token"])
        container = self.console.container
        async with transaction(container.session_factory) as session:
            invitation = await open_invitation(session=session, clock=container.clock, token=token)
        return self._accept_form(viewer, token, invitation.email, invitation.name, {}, 200)

    def _accept_form(
        self,
        viewer: Viewer,
        token: str,
        email: str,
        name: str,
        errors: dict[str, str],
        status: int,
    ) -> Response:
        return self.console.render(
            viewer,
            "console/admin/accept.html",
            title=viewer.gettext("Join the referral network"),
            status=status,
            token=token,
            email=email,
            name=name,
            errors=errors,
        )

    async def accept(self, request: Request, viewer: Viewer) -> Response:
        """POST `/invitation/<token>`: create the account, join, sign in, go to the start page."""
        token = str(request.path_params["token"])
        form = await self.console.form(request, viewer)
        name = text(form, "name")
        password, again = text(form, "password", 1024), text(form, "password_again", 1024)
        container = self.console.container
        try:
            if password != again:
                message = viewer.gettext("The two passwords are not the same.")
                raise ValidationFailed.single("password_again", ErrorCode.INVALID, message)
            async with transaction(container.session_factory) as session:
                user = await accept_invitation(
                    session=session,
                    clock=container.clock,
                    token=token,
                    name=name,
                    password=password,
                )
                issued = await issue_token(
                    session=session,
                    user=user,
                    name="login",
                    ttl=self.console.session_ttl,
                    clock=container.clock,
                )
        except ValidationFailed as exc:
            async with transaction(container.session_factory) as session:
                invitation = await open_invitation(
                    session=session, clock=container.clock, token=token
                )
            errors = field_errors(exc, viewer.gettext)
            return self._accept_form(viewer, token, invitation.email, name, errors, 400)
        response = self.console.redirect(viewer, "/referrals?box=received")
        self.console.start_session(response, issued.token)
        return response

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/admin/invitations/new", page(self.new), methods=["GET"]),
            Route("/admin/invitations", page(self.create), methods=["POST"]),
            Route("/invitation/{token}", page(self.show, signed_in=False), methods=["GET"]),
            Route("/invitation/{token}", page(self.accept, signed_in=False), methods=["POST"]),
        ]
