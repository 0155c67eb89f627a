"""Sign-in, sign-out and the start page: `/login`, `/logout`, `/`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import Unauthenticated
from hub.identity.service import authenticate_token, end_session, login
from hub.identity.throttle import LoginLimits, LoginThrottle, TooManyAttempts
from hub.web.console.base import Console, Viewer, safe_next
from hub.web.console.navigation import home_for
from hub.web.i18n import LANGUAGES


class AuthPages:
    """The pages that open and close a console session."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def start(self, request: Request, viewer: Viewer) -> Response:
        """`/`: signed-out visitors sign in; signed-in ones go to their role's start page."""
        if not viewer.signed_in:
            return self.console.redirect(viewer, "/login")
        return self.console.redirect(viewer, self.console.home(viewer))

    async def show_login(self, request: Request, viewer: Viewer) -> Response:
        """The sign-in form (a signed-in visitor goes straight on)."""
        target = safe_next(request.query_params.get("next"))
        if viewer.signed_in:
            return self.console.redirect(viewer, target or self.console.home(viewer))
        signed_out = request.query_params.get("signed_out") is not None
        return self._form(
            viewer, target=target, email="", error=None, status=200, signed_out=signed_out
        )

    def _form(
        self,
        viewer: Viewer,
        *,
        target: str | None,
        email: str,
        error: str | None,
        status: int,
        signed_out: bool = False,
    ) -> Response:
        return self.console.render(
            viewer,
            "console/login.html",
            title=viewer.gettext("Sign in"),
            status=status,
            next=target or "",
            email=email,
            error=error,
            signed_out=signed_out,
        )

    async def do_login(self, request: Request, viewer: Viewer) -> Response:
        """Check the password through the domain's `login`, then open a session."""
        form = await self.console.form(request, viewer)
        email = str(form.get("email") or "").strip()[:320]
        password = str(form.get("password") or "")[:1024]
        target = safe_next(str(form.get("next") or ""))
        if not email or not password:
            error = viewer.gettext("Enter your email and password.")
            return self._form(viewer, target=target, email=email, error=error, status=400)
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                issued = await login(
                    session=session,
                    email=email,
                    password=password,
                    ttl=self.console.session_ttl,
                    clock=container.clock,
                    throttle=LoginThrottle(
                        container.session_factory, LoginLimits.from_settings(container.settings)
                    ),
                    client_address=request.client.host if request.client else None,
                )
        except TooManyAttempts:
            # Counted per account (known or not) and per address, so this reveals no account.
            error = viewer.gettext("Too many sign-in attempts. Wait a few minutes, then try again.")
            return self._form(viewer, target=target, email=email, error=error, status=429)
        except Unauthenticated:
            error = viewer.gettext("The email or password is wrong.")
            return self._form(viewer, target=target, email=email, error=error, status=401)
        principal = await authenticate_token(
            factory=container.session_factory, token=issued.token, clock=container.clock
        )
        response = self.console.redirect(viewer, target or home_for(principal))
        self.console.start_session(response, issued.token)
        return response

    async def logout(self, request: Request, viewer: Viewer) -> Response:
        """End the session on the server (the token is revoked), then forget the cookie."""
        await self.console.form(request, viewer)
        if viewer.session_token:
            container = self.console.container
            async with transaction(container.session_factory) as session:
                await end_session(
                    session=session, token=viewer.session_token, clock=container.clock
                )
        response = self.console.redirect(viewer, "/login?signed_out=1")
        self.console.end_session(response)
        return response

    async def language(self, request: Request, viewer: Viewer) -> Response:
        """`/language/<code>?next=…`: switch the pages' language, then go back."""
        code = request.path_params["code"]
        back = safe_next(request.query_params.get("next")) or "/"
        if code not in LANGUAGES:
            return self.console.redirect(viewer, back)
        response = self.console.redirect(viewer, back)
        self.console.choose_language(response, code)
        return response

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/", page(self.start, signed_in=False), methods=["GET"]),
            Route("/login", page(self.show_login, signed_in=False), methods=["GET"]),
            Route("/login", page(self.do_login, signed_in=False), methods=["POST"]),
            Route("/logout", page(self.logout, signed_in=False), methods=["POST"]),
            Route("/language/{code}", page(self.language, signed_in=False), methods=["GET"]),
        ]
