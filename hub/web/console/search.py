"""The coach's search: `/search` by need, place and filters, with a map and a list to share."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.errors import ErrorCode, ValidationFailed
from hub.web.console.base import Console, Viewer
from hub.web.console.search_form import (
    PAGE_SIZE,
    RADII,
    SearchForm,
    read_form,
    to_query,
)
from hub.web.console.service_labels import (
    AIDS,
    CAPACITY,
    LANGUAGE_CHOICES,
    MODES,
    SCHEDULES,
    Gettext,
    capacity,
    freshness,
    hours_groups,
)
from providers.need_words import need_choices, need_label
from providers.service_cards import ServiceCard, service_cards
from search.cursor import encode_cursor
from search.models import SearchHit, SearchPage
from search.service import search_services


def _(message: str) -> str:
    """Mark a message for translation; the page translates it in the viewer's language."""
    return message


# Domain field names -> this page's controls, and readable messages by error code.
_FIELDS = {"needs": "need", "radiusKm": "radius_km", "maxCost": "max_cost", "text": "q"}
_FIELDS.update({"age": "age", "deliveryModes": "mode", "capacity": "capacity", "after": "page"})
_BY_CODE = {
    ErrorCode.UNKNOWN_PLACE: _("We could not find this place. Enter a US ZIP code or an address."),
    ErrorCode.UNKNOWN_NEED: _("We do not know this need. Pick one from the list."),
    ErrorCode.OUT_OF_RANGE: _("This value is out of range."),
    ErrorCode.REQUIRED: _("Enter a ZIP code or an address to measure distance from."),
    ErrorCode.TOO_LONG: _("This is too long."),
}


@dataclass(frozen=True, slots=True)
class Result:
    """One numbered result line: the search hit and what the directory says about it."""

    number: int
    hit: SearchHit
    card: ServiceCard


def domain_errors(error: ValidationFailed, viewer: Viewer) -> dict[str, str]:
    """The domain's field errors, on this page's controls and in the viewer's language."""
    found: dict[str, str] = {}
    for item in error.errors:
        name = "near" if item.field.startswith("near") else _FIELDS.get(item.field, "_form")
        message = _BY_CODE.get(item.code)
        if item.field == "after":
            message = _("This page of results has expired. Start from the first page.")
        if item.field == "languages":
            message = _("Choose one of the listed options.")
        found.setdefault(name, viewer.gettext(message) if message else viewer.gettext(item.message))
    return found


def _radius_options(form: SearchForm, gettext: Gettext) -> list[tuple[str, str]]:
    options = [("", gettext("25 km (default)"))]
    options += [(str(km), gettext("Within %(km)s km") % {"km": km}) for km in RADII]
    if form.radius_km and form.radius_km not in {value for value, _label in options}:
        options.append((form.radius_km, f"{form.radius_km} km"))  # shown back with its error
    return options


def _language_options(form: SearchForm, gettext: Gettext) -> list[tuple[str, str]]:
    options = [("", gettext("Any language"))]
    options += [(code, gettext(name)) for code, name in LANGUAGE_CHOICES]
    if form.lang and form.lang not in {value for value, _label in options}:
        options.append((form.lang, form.lang))
    return options


class SearchPages:
    """`/search`: the need picker, place, filters, numbered results with a map, paging."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _search(self, form: SearchForm, viewer: Viewer) -> tuple[SearchPage, list[Result]]:
        container = self.console.container
        backend = container.search_backend
        if backend is None:
            raise RuntimeError("The container has no search backend.")
        async with container.session_factory() as session:
            _request, page = await search_services(
                session=session,
                backend=backend,
                geocoder=container.geocoder,
                clock=container.clock,
                actor=viewer.principal,
                query=to_query(form),
                stale_after_days=container.settings.stale_after_days,
                log_writer=container.search_log,
            )
            cards = await service_cards(
                session=session,
                actor=viewer.principal,
                keys=[(hit.service_id, hit.location_id) for hit in page.hits],
            )
        first = (form.page - 1) * PAGE_SIZE + 1
        results = [
            Result(number=first + index, hit=hit, card=card)
            for index, (hit, card) in enumerate(zip(page.hits, cards, strict=True))
            if card is not None
        ]
        return page, results

    async def search(self, request: Request, viewer: Viewer) -> Response:
        """Show the form and, once something was asked, one page of numbered results."""
        viewer.principal.require_staff()
        gettext = viewer.gettext
        form = read_form(request.query_params, gettext)
        if request.query_params.get("need") and not form.errors and not form.notes:
            # Typed words found their need: continue at the plain address (`needs=<code>`).
            return self.console.redirect(viewer, form.url(after=form.after or ""))
        page: SearchPage | None = None
        results: list[Result] = []
        if form.asked and not form.errors:
            try:
                page, results = await self._search(form, viewer)
            except ValidationFailed as exc:
                form.errors.update(domain_errors(exc, viewer))
        settings = self.console.container.settings
        now = self.console.container.clock.now()
        next_url = None
        if page is not None and page.next_cursor is not None:
            next_url = form.url(after=encode_cursor(page.next_cursor), page=form.page + 1)
        return self.console.render(
            viewer,
            "console/search/search.html",
            title=gettext("Find services"),
            status=400 if form.errors else 200,
            form=form,
            page=page,
            results=results,
            next_url=next_url,
            first_url=form.url() if form.page > 1 else None,
            need_choices=need_choices(viewer.language),
            need_label=lambda code: need_label(code, viewer.language),
            radius_options=_radius_options(form, gettext),
            language_options=_language_options(form, gettext),
            modes=[(value, gettext(label)) for value, label in MODES.items()],
            schedules=[(value, gettext(label)) for value, label in SCHEDULES.items()],
            aids=[(value, gettext(label)) for value, label in AIDS.items()],
            capacities=[(value, gettext(label)) for value, (label, _c) in CAPACITY.items()],
            capacity=lambda status: capacity(status, gettext),
            freshness=lambda when: freshness(when, now, settings.stale_after_days, gettext),
            hours=lambda lines: hours_groups(lines, gettext),
            tile_url=settings.map_tile_url,
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        return [Route("/search", self.console.page(self.search), methods=["GET"])]
