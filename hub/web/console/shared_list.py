"""Share a list of services with a client: `/list` (check and send), `/list/print` (print view).

The list lives in the URL (`ids=<id>,<id>`): nothing personal is kept on the server. Sending
calls `referrals.shared_lists.send_service_list` with the hub's mail and SMS senders.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.errors import ValidationFailed
from hub.web.console.base import Console, Viewer, field_errors, safe_next
from hub.web.console.search_form import service_ids, with_list
from referrals.notifications.config import NotificationConfig
from referrals.notifications.email import Mailer, build_mailer
from referrals.notifications.sms import SmsProvider, build_sms_provider
from referrals.shared_lists import DeliveryFailed, SharedService, list_preview, send_service_list


def _(message: str) -> str:
    """Mark a message for translation; the page translates it in the viewer's language."""
    return message


# Domain messages this page's forms can meet, marked so the catalog translates them.
_MESSAGES = (
    _("Enter where to send the list."),
    _("Enter an email address like name@example.org."),
    _("Enter a phone number with its area code."),
    _("Add at least one service to the list."),
    _("A list holds at most 20 services."),
    _("A service on the list no longer exists."),
    _("Choose email or text message."),
    _("Choose English or Spanish."),
    _("Email is not set up on this hub."),
    _("The list could not be sent. Please try again later."),
)
_SENT = {"email": _("The list was sent by email."), "sms": _("The list was sent by text message.")}


class SharedListPages:
    """The list a coach picked from search results: check it, print it, send it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._senders: tuple[Mailer, SmsProvider] | None = None

    def senders(self) -> tuple[Mailer, SmsProvider]:
        """The mailer and SMS provider of the hub's notification settings (made once)."""
        if self._senders is None:
            config = NotificationConfig.from_settings(self.console.container.settings)
            self._senders = (build_mailer(config.smtp), build_sms_provider(config.sms_provider))
        return self._senders

    async def _preview(self, viewer: Viewer, ids: list[str]) -> list[SharedService]:
        async with self.console.container.session_factory() as session:
            return await list_preview(session=session, actor=viewer.principal, service_ids=ids)

    def _page(
        self,
        viewer: Viewer,
        *,
        ids: list[str],
        back: str,
        services: list[SharedService],
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        sent: str | None = None,
        status: int = 200,
        template: str = "console/search/list.html",
    ) -> Response:
        chosen = values or {"channel": "email", "to": "", "language": viewer.language}
        return self.console.render(
            viewer,
            template,
            title=viewer.gettext("Share a list"),
            status=status,
            ids=",".join(ids),
            back=back,
            services=services,
            errors=errors or {},
            values=chosen,
            sent=viewer.gettext(_SENT[sent]) if sent in _SENT else None,
            print_url="/list/print?" + urlencode({"ids": ",".join(ids), "back": back}),
            remove_urls={i: _without(ids, i, back) for i in ids} if "print" not in template else {},
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The list with what the client will get, a print link and the send form."""
        ids = service_ids(request.query_params, "ids")
        back = _back(request.query_params.get("back"))
        try:
            services = await self._preview(viewer, ids)
        except ValidationFailed as exc:
            return self._problem(viewer, exc, back)
        sent = request.query_params.get("sent")
        return self._page(viewer, ids=ids, back=back, services=services, sent=sent)

    async def print_view(self, request: Request, viewer: Viewer) -> Response:
        """The list alone, laid out for paper (the print stylesheet hides the rest)."""
        ids = service_ids(request.query_params, "ids")
        back = _back(request.query_params.get("back"))
        try:
            services = await self._preview(viewer, ids)
        except ValidationFailed as exc:
            return self._problem(viewer, exc, back)
        return self._page(
            viewer, ids=ids, back=back, services=services, template="console/search/print.html"
        )

    async def send(self, request: Request, viewer: Viewer) -> Response:
        """Send the list by email or SMS, then show the list again with a confirmation."""
        form = await self.console.form(request, viewer)
        ids = service_ids(form, "ids")
        back = _back(str(form.get("back") or ""))
        values = {
            "channel": str(form.get("channel") or "")[:10],
            "to": str(form.get("to") or "")[:300],
            "language": str(form.get("language") or "")[:5],
        }
        mailer, sms = self.senders()
        container = self.console.container
        try:
            async with container.session_factory() as session:
                await send_service_list(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    mailer=mailer,
                    sms=sms,
                    channel=values["channel"],
                    to=values["to"],
                    language=values["language"],
                    service_ids=ids,
                )
        except (ValidationFailed, DeliveryFailed) as exc:
            errors = (
                field_errors(exc, viewer.gettext)
                if isinstance(exc, ValidationFailed)
                else {"_form": viewer.gettext(exc.message)}
            )
            try:
                services = await self._preview(viewer, ids)
            except ValidationFailed:
                services = []
            status = 400 if isinstance(exc, ValidationFailed) else 502
            return self._page(
                viewer,
                ids=ids,
                back=back,
                services=services,
                errors=errors,
                values=values,
                status=status,
            )
        query = urlencode({"ids": ",".join(ids), "back": back, "sent": values["channel"]})
        return self.console.redirect(viewer, f"/list?{query}")

    def _problem(self, viewer: Viewer, error: ValidationFailed, back: str) -> Response:
        message = next(iter(field_errors(error, viewer.gettext).values()))
        return self.console.notice(
            viewer, status=400, heading=viewer.gettext("Share a list"), message=message, back=back
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/list", page(self.show), methods=["GET"]),
            Route("/list/print", page(self.print_view), methods=["GET"]),
            Route("/list/send", page(self.send), methods=["POST"]),
        ]


def _without(ids: list[str], gone: str, back: str) -> str:
    """The list page without one service (the search it came from, when none is left)."""
    rest = [i for i in ids if i != gone]
    search = with_list(back, rest)
    if not rest:
        return search
    return "/list?" + urlencode({"ids": ",".join(rest), "back": search})


def _back(target: str | None) -> str:
    """The search page to return to (only ever a /search address on this site)."""
    found = safe_next(target) or "/search"
    return found if found.startswith("/search") else "/search"
