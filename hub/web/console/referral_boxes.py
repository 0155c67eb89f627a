"""The inbox and outbox: `/referrals?box=received|sent&status=…`, newest first, a page at a time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ValidationFailed
from hub.core.paging import PageRequest
from hub.web.console import referral_labels as labels
from hub.web.console.base import Console, Viewer
from providers import batch
from providers.need_words import need_label
from referrals import disclosure, queries
from referrals.queries import Direction, ReferralFilter
from referrals.state_machine import ReferralStatus

PAGE_SIZE = 25


class ReferralBoxPages:
    """Referrals the viewer's organizations received or sent."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The list; unknown filters are explained and ignored, never an error page."""
        params = request.query_params
        problems: list[str] = []
        raw_box = params.get("box") or "received"
        box = Direction.RECEIVED
        try:
            box = Direction(raw_box)
        except ValueError:
            problems.append(viewer.gettext("There is no such list; showing received referrals."))
        statuses: list[ReferralStatus] = []
        for raw in params.getlist("status"):
            if not raw:
                continue
            try:
                statuses.append(ReferralStatus(raw))
            except ValueError:
                problems.append(viewer.gettext("Unknown status filter; showing every status."))
                statuses = []
                break
        after = params.get("after") or None
        container = self.console.container
        referral_filter = ReferralFilter(direction=box, statuses=tuple(statuses))
        async with transaction(container.session_factory) as session:
            try:
                page = await queries.list_referrals(
                    session=session,
                    actor=viewer.principal,
                    filter=referral_filter,
                    page=PageRequest(first=PAGE_SIZE, after=after),
                )
            except ValidationFailed:
                problems.append(
                    viewer.gettext("That page link is not valid; showing the first page.")
                )
                page = await queries.list_referrals(
                    session=session,
                    actor=viewer.principal,
                    filter=referral_filter,
                    page=PageRequest(first=PAGE_SIZE),
                )
            rows = list(page.items)
            services = await batch.service_by_id(session, [r.service_id for r in rows])
            org_ids = [
                r.receiver_organization_id if box == Direction.SENT else r.sender_organization_id
                for r in rows
            ]
            orgs = await batch.organization_by_id(session, org_ids)
            needs = await queries.needs_of(session=session, referral_ids=[r.id for r in rows])
            # Each name shown is a logged read, and only what the disclosure rules allow.
            now = container.clock.now()
            clients = [
                await disclosure.read_client(
                    session, actor=viewer.principal, referral=r, through="console:referrals", at=now
                )
                for r in rows
            ]
        items = [
            {
                "referral": r,
                "service": svc.name if svc is not None else "—",
                "other_org": org.name if org is not None else "—",
                "needs": [need_label(code, viewer.language) for code in needs[r.id]],
                "client": client.name if client is not None else None,
            }
            for r, svc, org, client in zip(rows, services, orgs, clients, strict=True)
        ]
        chosen = statuses[0].value if len(statuses) == 1 else ""
        next_url = None
        if page.has_next_page and page.end_cursor:
            next_url = request.url.include_query_params(after=page.end_cursor)
        return self.console.render(
            viewer,
            "console/referrals/boxes.html",
            title=viewer.gettext("Referrals received")
            if box == Direction.RECEIVED
            else viewer.gettext("Referrals sent"),
            box=box.value,
            items=items,
            problems=problems,
            labels=labels,
            statuses=list(ReferralStatus),
            chosen=chosen,
            next_url=str(next_url) if next_url else None,
            first_page=after is not None,
        )

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        return [Route("/referrals", self.console.page(self.show), methods=["GET"])]
