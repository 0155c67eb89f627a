"""What every console page shares: the signed-in viewer, language, CSRF, rendering and errors.

A page handler is `async def handler(request, viewer) -> Response`, wrapped by `Console.page`.
It parses the request, calls the same domain function GraphQL calls with `viewer.principal`,
and renders a template: no SQL and no authorization here; the domain raises, and the wrapper
turns `Unauthenticated` into a trip to the sign-in page and `NotFound`/`Forbidden` into pages.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hub.container import Container
from hub.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from hub.core.security import hash_token
from hub.identity.principal import ANONYMOUS, Principal
from hub.identity.service import authenticate_token
from hub.web import csrf
from hub.web.console.navigation import NavItem, home_for, navigation
from hub.web.i18n import LANGUAGES, environment, pick_language, translations

log = logging.getLogger(__name__)

SESSION_COOKIE = "hub_session"
LANG_COOKIE = "hub_lang"
CSRF_COOKIE = "hub_console_csrf"
_ANONYMOUS_SCOPE = "console:anonymous"

Handler = Callable[[Request, "Viewer"], Awaitable[Response]]


class CsrfRejected(Exception):
    """A form arrived without a valid token for this browser and session."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at a page, in which language, with which CSRF token for its forms."""

    principal: Principal
    language: str
    session_token: str | None
    csrf_nonce: str
    csrf_token: str
    new_nonce: bool = False
    here: str = "/"
    nav: tuple[NavItem, ...] = field(default_factory=tuple)

    @property
    def signed_in(self) -> bool:
        """True when a valid session cookie came with the request."""
        return self.session_token is not None

    def gettext(self, message: str) -> str:
        """Translate a message into the viewer's language."""
        return translations(self.language).gettext(message)

    def require_signed_in(self) -> None:
        """Send a signed-out visitor to the sign-in page (through the page wrapper)."""
        if not self.signed_in:
            raise Unauthenticated()


def _content_security_policy(tile_url: str) -> str:
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        tiles = f" {parts.scheme}://{parts.netloc}" if parts.netloc else ""
        if "{s}" in tile_url:
            tiles = f" {parts.scheme}://*.{parts.netloc.split('.', 1)[-1]}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{tiles}; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


def safe_next(target: str | None) -> str | None:
    """A local path to return to after sign-in; anything pointing elsewhere is dropped."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


class Console:
    """The console's shared machinery over one container (built once by the app)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        settings = container.settings
        secret = settings.secret_key.get_secret_value()
        if not secret:
            log.warning("HUB_SECRET_KEY is empty: console CSRF tokens use a per-process key")
            secret = secrets.token_hex(32)
        self._secret = secret
        self.secure_cookies = settings.public_base_url.startswith("https://")
        self.session_ttl = timedelta(hours=settings.console_session_hours)
        self.idle = timedelta(minutes=settings.console_idle_minutes)
        self.headers = {
            "Cache-Control": "no-store",
            "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": _content_security_policy(settings.map_tile_url),
        }

    # --- who is looking ---------------------------------------------------------------

    async def viewer(self, request: Request) -> Viewer:
        """The principal of the session cookie (anonymous without one), language and CSRF."""
        token = request.cookies.get(SESSION_COOKIE)
        principal = ANONYMOUS
        if token:
            try:
                principal = await authenticate_token(
                    factory=self.container.session_factory,
                    token=token,
                    clock=self.container.clock,
                    idle=self.idle,
                )
            except Unauthenticated:
                token = None
        # The language is chosen at /language/<code> (a cookie), not by ?lang=, which the
        # search page uses for the language a service is offered in.
        language = pick_language(
            request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
        )
        nonce = request.cookies.get(CSRF_COOKIE)
        new_nonce = not nonce or not nonce.isascii() or len(nonce) > 64
        if new_nonce:
            nonce = csrf.new_nonce()
        assert nonce is not None
        scope = hash_token(token) if token else _ANONYMOUS_SCOPE
        path = request.url.path
        return Viewer(
            principal=principal,
            language=language,
            session_token=token,
            csrf_nonce=nonce,
            csrf_token=csrf.form_token(self._secret, nonce, scope),
            new_nonce=new_nonce,
            here=path + (f"?{request.url.query}" if request.url.query else ""),
            nav=navigation(principal, path, language) if token else (),
        )

    async def form(self, request: Request, viewer: Viewer) -> FormData:
        """The posted form, after checking its CSRF token against this browser and session."""
        form = await request.form()
        given = str(form.get(csrf.FIELD) or "")
        scope = hash_token(viewer.session_token) if viewer.session_token else _ANONYMOUS_SCOPE
        if viewer.new_nonce or not given.isascii():
            raise CsrfRejected()
        if not csrf.verify(self._secret, viewer.csrf_nonce, given, scope):
            raise CsrfRejected()
        return form

    # --- answers ----------------------------------------------------------------------

    def render(
        self,
        viewer: Viewer,
        template: str,
        *,
        title: str,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        """Render a console template in the viewer's language, with the shared headers."""
        html = (
            environment(viewer.language)
            .get_template(template)
            .render(
                lang=viewer.language,
                languages=LANGUAGES,
                viewer=viewer,
                nav=viewer.nav,
                csrf_field=csrf.FIELD,
                csrf_token=viewer.csrf_token,
                title=title,
                **values,
            )
        )
        response = HTMLResponse(html, status_code=status)
        self.finish(viewer, response)
        return response

    def redirect(self, viewer: Viewer, url: str) -> RedirectResponse:
        """Post/redirect/get: a 303 to `url`, keeping the viewer's cookies current."""
        response = RedirectResponse(url, status_code=303)
        self.finish(viewer, response)
        return response

    def finish(self, viewer: Viewer, response: Response) -> None:
        """Add the shared security headers and the CSRF and language cookies a page needs."""
        response.headers.update(self.headers)
        if viewer.new_nonce:
            response.set_cookie(
                CSRF_COOKIE,
                viewer.csrf_nonce,
                httponly=True,
                samesite="lax",
                secure=self.secure_cookies,
                path="/",
            )

    def choose_language(self, response: Response, language: str) -> None:
        """Remember the viewer's choice of language (a year; not personal data)."""
        response.set_cookie(
            LANG_COOKIE,
            language,
            max_age=3600 * 24 * 365,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    def start_session(self, response: Response, token: str) -> None:
        """Set the session cookie of a fresh sign-in (absolute lifetime = the token's)."""
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(self.session_ttl.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    def end_session(self, response: Response) -> None:
        """Clear the session cookie (sign-out)."""
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure_cookies
        )

    def notice(
        self, viewer: Viewer, *, status: int, heading: str, message: str, back: str | None = None
    ) -> HTMLResponse:
        """A page that explains what went wrong (or right) in plain words."""
        return self.render(
            viewer,
            "console/notice.html",
            title=heading,
            status=status,
            heading=heading,
            message=message,
            back=back,
        )

    def to_login(self, request: Request, viewer: Viewer) -> RedirectResponse:
        """Send a signed-out visitor to sign in, then back to where they were going."""
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        query = urlencode({"next": target}) if request.method == "GET" else ""
        response = self.redirect(viewer, "/login" + (f"?{query}" if query else ""))
        if viewer.session_token is None and request.cookies.get(SESSION_COOKIE):
            self.end_session(response)  # an expired or revoked session: forget it
        return response

    def home(self, viewer: Viewer) -> str:
        """Where a signed-in viewer starts: their role's main page."""
        return home_for(viewer.principal)

    # --- the wrapper every page goes through ------------------------------------------

    def page(self, handler: Handler, *, signed_in: bool = True) -> Callable[[Request], Any]:
        """Wrap a handler: viewer, sign-in check, and domain errors turned into pages."""

        async def endpoint(request: Request) -> Response:
            viewer = await self.viewer(request)
            gettext = viewer.gettext
            try:
                if signed_in:
                    viewer.require_signed_in()
                return await handler(request, viewer)
            except Unauthenticated:
                return self.to_login(request, viewer)
            except CsrfRejected:
                return self.notice(
                    viewer,
                    status=403,
                    heading=gettext("Please try again"),
                    message=gettext("This form expired. Reload the page and send it again."),
                    back=request.headers.get("referer") and safe_next(request.url.path),
                )
            except NotFound:
                return self.notice(
                    viewer,
                    status=404,
                    heading=gettext("Not found"),
                    message=gettext("There is nothing here, or it is not yours to see."),
                    back=self.home(viewer),
                )
            except Forbidden:
                return self.notice(
                    viewer,
                    status=403,
                    heading=gettext("Not allowed"),
                    message=gettext("Your role does not allow this."),
                    back=self.home(viewer),
                )
            except Exception:
                # A server fault: logged with its traceback (never the form's values), and a
                # plain page for the person.
                log.exception("console page failed: %s", request.url.path)
                return self.notice(
                    viewer,
                    status=500,
                    heading=gettext("Something went wrong"),
                    message=gettext("We could not show this page. Please try again later."),
                    back=self.home(viewer),
                )

        return endpoint


async def not_found(request: Request, viewer: Viewer) -> Response:
    """Any path no route serves: a 404 page."""
    raise NotFound("Page", request.url.path)


def field_errors(error: ValidationFailed, gettext: Callable[[str], str]) -> dict[str, str]:
    """The first message per field of a `ValidationFailed`, translated, to show beside controls.

    Domain messages are English sentences; a page group's catalog may translate the ones its
    forms can meet (the English text is shown otherwise).
    """
    found: dict[str, str] = {}
    for item in error.errors:
        found.setdefault(item.field or "_form", gettext(item.message))
    return found
