"""A service's detail page for coaches: `/services/<id>`."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.errors import NotFound
from hub.web.console.base import Console, Viewer, safe_next
from hub.web.console.search_form import MAX_LIST, service_ids, with_list
from hub.web.console.service_labels import (
    AIDS,
    SCHEDULES,
    capacity,
    freshness,
    hours_groups,
    mode,
    words,
)
from providers.need_words import need_label
from providers.service_detail import service_detail

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ServicePages:
    """What a service is, who it is for, what it costs, how to apply, where and when."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def detail(self, request: Request, viewer: Viewer) -> Response:
        """One service, with links to refer a client and to put it on a list."""
        viewer.principal.require_staff()
        service_id = request.path_params["service_id"]
        if not _ID.match(service_id):
            raise NotFound("Service", service_id[:64])
        container = self.console.container
        async with container.session_factory() as session:
            detail = await service_detail(
                session=session, actor=viewer.principal, service_id=service_id
            )
        gettext = viewer.gettext
        back = safe_next(request.query_params.get("back")) or "/search"
        back = back if back.startswith("/search") else "/search"
        shortlist = service_ids(QueryParams(urlsplit(back).query))
        on_list = detail.service.id in shortlist
        add_url = (
            None
            if on_list or len(shortlist) >= MAX_LIST
            else with_list(back, [*shortlist, detail.service.id])
        )
        now = container.clock.now()
        stale_days = container.settings.stale_after_days
        return self.console.render(
            viewer,
            "console/services/detail.html",
            title=detail.service.name,
            detail=detail,
            back=back,
            on_list=on_list,
            add_url=add_url,
            needs=[need_label(code, viewer.language) for code in detail.needs],
            capacity=capacity(
                detail.service.capacity_status.value if detail.service.capacity_status else None,
                gettext,
            ),
            fresh=freshness(detail.service.last_verified_at, now, stale_days, gettext),
            mode=mode(detail.service.delivery_mode.value, gettext),
            hours=lambda lines: hours_groups(lines, gettext),
            schedule_fit=words(detail.program.schedule_fit, SCHEDULES, gettext)
            if detail.program
            else "",
            aid=words(detail.program.aid_accepted, AIDS, gettext) if detail.program else "",
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        return [
            Route("/services/{service_id}", self.console.page(self.detail), methods=["GET"]),
        ]
