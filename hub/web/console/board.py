"""The board's pages (`/board…`): overview, flows, unmet demand, listing health, change log, CSV.

For auditors and hub admins. Every figure comes from the analytics domain functions that
GraphQL and `hub report` call, with the viewer's principal: the domain scopes auditors to their
network and suppresses small counts; these handlers only read filters and render.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ValidationFailed
from hub.core.paging import PageRequest
from hub.web.console.base import Console, Viewer
from hub.web.console.board_charts import bar_chart
from hub.web.console.board_filters import BoardFilters, read_filters
from providers.networks import list_networks
from referrals.analytics.audit import change_log
from referrals.analytics.demand import unmet_demand
from referrals.analytics.dimensions import Dimension
from referrals.analytics.export import ReportKind, export_report, to_csv
from referrals.analytics.flows import flow_matrix
from referrals.analytics.health import listing_health
from referrals.analytics.need_categories import categories
from referrals.analytics.report import network_report

CHANGES_PAGE = 50
DEMAND_ROWS = 100
MAX_CURSOR = 512
MAX_NEED = 100


class BoardPages:
    """The workforce board's pages over the shared console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def _filters(self, request: Request, viewer: Viewer) -> BoardFilters:
        now = self.console.container.clock.now()
        return read_filters(request.query_params, now, viewer.gettext)

    def _category(self, request: Request) -> tuple[str | None, bool]:
        """The `need` query parameter as a top-level need code, and whether it was bad."""
        given = (request.query_params.get("need") or "").strip()[:MAX_NEED]
        if not given:
            return None, False
        if given not in categories():
            return None, True
        return given, False

    def _page(
        self,
        viewer: Viewer,
        template: str,
        title: str,
        filters: BoardFilters,
        networks: Any,
        **values: Any,
    ) -> Response:
        return self.console.render(
            viewer,
            f"console/board/{template}.html",
            title=title,
            status=400 if filters.errors else 200,
            filters=filters,
            errors=filters.errors,
            networks=networks,
            **values,
        )

    async def overview(self, request: Request, viewer: Viewer) -> Response:
        """`/board`: referrals sent, closed loop, times, funnel, SLA, reasons, client feedback."""
        filters = self._filters(request, viewer)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=viewer.principal)
            report = await network_report(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                query=filters.query(),
            )
        _ = viewer.gettext
        counts = report.total.counts
        funnel = [
            (_("Sent"), counts["referrals"]),
            (_("Viewed"), counts["viewed"]),
            (_("Accepted"), counts["accepted"]),
            (_("Completed"), counts["completed"]),
        ]
        outcomes = [
            (_("Got help"), counts["client_got_help"]),
            (_("Could not reach the service"), counts["client_could_not_reach"]),
            (_("No longer needed"), counts["client_no_longer_needed"]),
        ]
        reasons = [r for r in report.reasons if r.reason_code != "all"]
        return self._page(
            viewer,
            "overview",
            _("Board overview"),
            filters,
            networks,
            report=report,
            funnel=funnel,
            funnel_chart=bar_chart(funnel),
            outcomes=outcomes,
            outcomes_chart=bar_chart(outcomes),
            reasons=reasons,
            reasons_chart=bar_chart([(f"{r.status}: {r.reason_code}", r.count) for r in reasons]),
        )

    async def flows(self, request: Request, viewer: Viewer) -> Response:
        """`/board/flows`: organization to organization, by need category (or one category's
        needs with `?need=<category>`), by month."""
        filters = self._filters(request, viewer)
        category, bad_category = self._category(request)
        if bad_category:
            filters.errors["need"] = viewer.gettext(
                "That need category is not known; showing every category."
            )
        if category is None:
            need_query = filters.query(Dimension.NEED_CATEGORY)
        else:
            need_query = replace(filters.query(Dimension.NEED), need_category=category)
        container = self.console.container
        actor, clock = viewer.principal, container.clock
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=actor)
            matrix = await flow_matrix(
                session=session, actor=actor, clock=clock, query=filters.query()
            )
            # Reasons are on the overview, not here: skip reading them.
            by_need = await network_report(
                session=session, actor=actor, clock=clock, query=need_query, with_reasons=False
            )
            by_month = await network_report(
                session=session,
                actor=actor,
                clock=clock,
                query=filters.query(Dimension.MONTH),
                with_reasons=False,
            )
        months = [(r.group[0].label, r.counts["referrals"]) for r in by_month.rows]
        needs = [(r.group[0].label, r.counts["referrals"]) for r in by_need.rows]
        return self._page(
            viewer,
            "flows",
            viewer.gettext("Referral flows"),
            filters,
            networks,
            matrix=matrix,
            category=category,
            category_name=categories().get(category or "", ""),
            by_need=by_need,
            need_chart=bar_chart(needs),
            by_month=by_month,
            month_chart=bar_chart(months),
        )

    async def demand(self, request: Request, viewer: Viewer) -> Response:
        """`/board/demand`: need x ZIP where searches found nothing, most unmet first."""
        filters = self._filters(request, viewer)
        container = self.console.container
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=viewer.principal)
            found = await unmet_demand(
                session=session, actor=viewer.principal, query=filters.query(), limit=DEMAND_ROWS
            )
        deserts = [r for r in found.rows if not r.unmet.suppressed and r.unmet.value][:3]
        chart = bar_chart([(f"{r.need_label} {r.postal_code}", r.unmet) for r in found.rows[:10]])
        return self._page(
            viewer,
            "demand",
            viewer.gettext("Unmet demand"),
            filters,
            networks,
            demand=found,
            deserts=deserts,
            tile_url=container.settings.map_tile_url,
            demand_chart=chart,
        )

    async def listings(self, request: Request, viewer: Viewer) -> Response:
        """`/board/listings`: verification in 6 and 12 months, missing capacity, late referrals."""
        # Listing health is as of today: only the network filter applies.
        read = self._filters(request, viewer)
        filters = replace(read, errors={k: v for k, v in read.errors.items() if k == "network"})
        container = self.console.container
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=viewer.principal)
            health = await listing_health(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                network_id=filters.network_id,
            )
        return self._page(
            viewer, "listings", viewer.gettext("Listing health"), filters, networks, health=health
        )

    async def changes(self, request: Request, viewer: Viewer) -> Response:
        """`/board/changes`: who changed which listing field when, oldest first, paged."""
        filters = self._filters(request, viewer)
        after = (request.query_params.get("after") or "").strip()[:MAX_CURSOR] or None
        container = self.console.container
        async with transaction(container.session_factory) as session:
            networks = await list_networks(session=session, actor=viewer.principal)
            try:
                page = await change_log(
                    session=session,
                    actor=viewer.principal,
                    query=filters.query(),
                    page=PageRequest(first=CHANGES_PAGE, after=after, max_size=CHANGES_PAGE),
                )
            except ValidationFailed:
                # A hand-edited or stale cursor: start from the beginning, and say so.
                filters.errors["after"] = viewer.gettext(
                    "That page link is not valid any more; showing the first page."
                )
                page = await change_log(
                    session=session,
                    actor=viewer.principal,
                    query=filters.query(),
                    page=PageRequest(first=CHANGES_PAGE, max_size=CHANGES_PAGE),
                )
        return self._page(
            viewer, "changes", viewer.gettext("Change log"), filters, networks, page=page
        )

    async def download(self, request: Request, viewer: Viewer) -> Response:
        """`/board/<kind>.csv`: a report as CSV in the signed-in session (same suppression)."""
        filters = self._filters(request, viewer)
        category, bad_category = self._category(request)
        try:
            kind = ReportKind(request.path_params["kind"])
            group_by = tuple(Dimension(d) for d in request.query_params.getlist("group_by")[:3])
        except ValueError:
            return self._bad_download(viewer)
        if filters.errors or bad_category:
            return self._bad_download(viewer)
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                table = await export_report(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    kind=kind,
                    query=replace(filters.query(*group_by), need_category=category),
                    pseudonym_key=container.settings.secret_key.get_secret_value().encode(),
                )
        except ValidationFailed:
            return self._bad_download(viewer)
        name = f"{kind.value}-{filters.from_text}-{filters.to_text}.csv"
        response = Response(
            to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        self.console.finish(viewer, response)
        return response

    def _bad_download(self, viewer: Viewer) -> Response:
        _ = viewer.gettext
        return self.console.notice(
            viewer,
            status=400,
            heading=_("This download cannot be made"),
            message=_(
                "Use the download links on the board pages: they name a known report and dates "
                "like 2026-01-31."
            ),
            back="/board",
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/board", page(self.overview), methods=["GET"]),
            Route("/board/flows", page(self.flows), methods=["GET"]),
            Route("/board/demand", page(self.demand), methods=["GET"]),
            Route("/board/listings", page(self.listings), methods=["GET"]),
            Route("/board/changes", page(self.changes), methods=["GET"]),
            Route("/board/{kind}.csv", page(self.download), methods=["GET"]),
        ]
