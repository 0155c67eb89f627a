"""The client's page `/r/<token>`: what to know about the referral, and four small forms."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from babel.dates import format_time, get_day_names
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.container import Container
from hub.core.db import transaction
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.core.security import hash_token
from hub.web import csrf
from hub.web.i18n import LANGUAGES, environment, pick_language, translations
from hub.web.ratelimit import SlidingWindowLimiter
from referrals import links
from referrals.client_view import ServiceFacts, service_facts
from referrals.models import ClientReport, NotifyChannel

log = logging.getLogger(__name__)

_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_SECURITY_HEADERS = {
    # The token is in the URL: never leak it to other sites, caches or search engines.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
POST_LIMIT = 10  # form posts per token and client address
POST_WINDOW_SECONDS = 300.0
GET_LIMIT = 60  # page views per client address
GET_WINDOW_SECONDS = 60.0


def _render(template: str, language: str, code: int, **values: Any) -> HTMLResponse:
    html = (
        environment(language)
        .get_template(f"client_link/{template}")
        .render(lang=language, languages=LANGUAGES, **values)
    )
    return HTMLResponse(html, status_code=code, headers=_SECURITY_HEADERS)


def _hours(facts: ServiceFacts, language: str) -> list[str]:
    names = get_day_names("wide", locale=language)
    lines: list[str] = []
    for hours in facts.hours:
        days = ", ".join(str(names[_WEEKDAYS[d]]) for d in hours.days if d in _WEEKDAYS)
        span = ""
        if hours.opens_at and hours.closes_at:
            opens = format_time(hours.opens_at, "short", locale=language)
            closes = format_time(hours.closes_at, "short", locale=language)
            span = f"{opens} \u2013 {closes}"
        text = ": ".join(part for part in (days, span) if part) or (hours.description or "")
        if text:
            lines.append(text)
    return lines


def _directions(facts: ServiceFacts) -> str | None:
    if facts.latitude is not None and facts.longitude is not None:
        destination = f"{facts.latitude},{facts.longitude}"
    elif facts.address_lines:
        destination = ", ".join(facts.address_lines)
    else:
        return None
    return "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": destination})


def _tel(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


class ClientLinkPages:
    """Serves `/r/<token>`; unknown, expired and revoked tokens all get the same 404 page."""

    def __init__(self, container: Container) -> None:
        self.container = container
        secret = container.settings.secret_key.get_secret_value()
        if not secret:
            # Forms still work within one process; set HUB_SECRET_KEY for several replicas.
            log.warning("HUB_SECRET_KEY is empty: client-link CSRF tokens use a per-process key")
            secret = secrets.token_hex(32)
        self._secret = secret
        self._secure_cookie = container.settings.public_base_url.startswith("https://")
        self.post_limiter = SlidingWindowLimiter(limit=POST_LIMIT, window=POST_WINDOW_SECONDS)
        self.get_limiter = SlidingWindowLimiter(limit=GET_LIMIT, window=GET_WINDOW_SECONDS)

    def routes(self) -> list[BaseRoute]:
        """The page and its form endpoint (its stylesheet is under the console's /static)."""
        return [
            Route("/r/{token}", self.show, methods=["GET"]),
            Route("/r/{token}", self.act, methods=["POST"]),
        ]

    def _missing(self, language: str) -> HTMLResponse:
        return _render("missing.html", language, 404)

    def _too_many(self, language: str, retry_after: float) -> HTMLResponse:
        gettext = translations(language).gettext
        response = _render(
            "notice.html",
            language,
            429,
            heading=gettext("Please wait a moment"),
            message=gettext("You sent many requests. Try again in a few minutes."),
            back=None,
        )
        response.headers["Retry-After"] = str(int(retry_after) + 1)
        return response

    async def show(self, request: Request) -> Response:
        """Render the referral page in the client's language (or ?lang=)."""
        token = request.path_params["token"]
        asked = request.query_params.get("lang")
        ip = request.client.host if request.client else "?"
        retry = self.get_limiter.hit(ip)
        if retry:
            return self._too_many(pick_language(asked), retry)
        try:
            async with transaction(self.container.session_factory) as session:
                resolved = await links.resolve_link(
                    session=session, clock=self.container.clock, token=token
                )
                facts = await service_facts(
                    session=session, service_id=resolved.referral.service_id
                )
        except NotFound:
            return self._missing(pick_language(asked))
        if facts is None:
            return self._missing(pick_language(asked))
        language = pick_language(asked, resolved.client.preferred_language)
        nonce = request.cookies.get(csrf.COOKIE) or csrf.new_nonce()
        referral, client = resolved.referral, resolved.client
        error = request.query_params.get("error")
        gettext = translations(language).gettext
        response = _render(
            "page.html",
            language,
            200,
            token=token,
            post_url=f"/r/{quote(token)}",
            csrf=csrf.form_token(self._secret, nonce, hash_token(token)),
            facts=facts,
            status=referral.status.value,
            confirmed=referral.client_confirmed_at is not None,
            report=referral.client_report.value if referral.client_report else None,
            helped=None
            if referral.client_helped is None
            else ("yes" if referral.client_helped else "no"),
            channel=client.preferred_channel.value,
            has_phone=bool(client.phone),
            has_email=bool(client.email),
            hours=_hours(facts, language),
            directions_url=_directions(facts),
            phones=[{"number": n, "tel": _tel(n)} for n in facts.phones],
            done=request.query_params.get("done") is not None,
            error=gettext("We could not save that choice.") if error else None,
        )
        response.set_cookie(
            csrf.COOKIE,
            nonce,
            max_age=3600 * 12,
            httponly=True,
            samesite="strict",
            secure=self._secure_cookie,
            path="/r/",
        )
        return response

    async def act(self, request: Request) -> Response:
        """Handle one of the forms, then redirect back to the page (post/redirect/get)."""
        token = request.path_params["token"]
        form = await request.form()
        language = pick_language(str(form.get("lang") or ""))
        ip = request.client.host if request.client else "?"
        retry = self.post_limiter.hit(f"{hash_token(token)}|{ip}")
        if retry:
            return self._too_many(language, retry)
        if not csrf.verify(
            self._secret,
            request.cookies.get(csrf.COOKIE),
            str(form.get(csrf.FIELD) or ""),
            hash_token(token),
        ):
            gettext = translations(language).gettext
            return _render(
                "notice.html",
                language,
                403,
                heading=gettext("Please try again"),
                message=gettext("This form expired. Reload the page and send it again."),
                back=f"/r/{quote(token)}?lang={language}",
            )
        action = str(form.get("action") or "")
        value = str(form.get("value") or "")
        handler = self._handler(action, value)
        query = {"lang": language}
        try:
            if handler is None:
                raise ValidationFailed.single("action", ErrorCode.INVALID_CHOICE, "Unknown action.")
            async with transaction(self.container.session_factory) as session:
                await handler(session, token)
            query["done"] = action
        except NotFound:
            return self._missing(language)
        except ValidationFailed:
            query["error"] = action or "form"
        return RedirectResponse(f"/r/{quote(token)}?{urlencode(query)}", status_code=303)

    def _handler(self, action: str, value: str) -> Callable[[Any, str], Awaitable[Any]] | None:
        clock = self.container.clock
        if action == "confirm":
            return lambda s, t: links.client_confirm(session=s, clock=clock, token=t)
        if action == "outcome" and value in {r.value for r in ClientReport}:
            return lambda s, t: links.client_report(
                session=s, clock=clock, token=t, report=ClientReport(value)
            )
        if action == "rating" and value in {"yes", "no"}:
            return lambda s, t: links.client_rate(
                session=s, clock=clock, token=t, helped=value == "yes"
            )
        if action == "channel" and value in {c.value for c in NotifyChannel}:
            return lambda s, t: links.client_set_channel(
                session=s, clock=clock, token=t, channel=NotifyChannel(value)
            )
        return None


def client_link_routes(container: Container) -> list[BaseRoute]:
    """Routes of the client pages, for `hub.app`."""
    return ClientLinkPages(container).routes()
