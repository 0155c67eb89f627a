"""CSV downloads of the analytics reports: `GET /reports/<kind>.csv?from=&to=&group_by=&network=`.

Authorized by the same bearer token as the API; the domain decides what the caller may see
(auditors their network, hub admins everything) and suppresses small counts as everywhere.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from hub.container import Container
from hub.core.dates import parse_day_or_time
from hub.core.db import transaction
from hub.core.errors import DomainError, Forbidden, NotFound, Unauthenticated
from hub.identity.service import principal_for_token
from referrals.analytics.dimensions import Dimension
from referrals.analytics.export import ReportKind, export_report, to_csv
from referrals.analytics.report import ReportQuery


def _bad(message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=400)


class ReportDownloads:
    """The `/reports/<kind>.csv` endpoint over a container."""

    def __init__(self, container: Container) -> None:
        self.container = container

    async def download(self, request: Request) -> Response:
        """Stream nothing fancy: build the table, answer it as a CSV attachment."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return PlainTextResponse(
                "Send 'Authorization: Bearer <token>'.\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            kind = ReportKind(request.path_params["kind"])
            params = request.query_params
            query = ReportQuery(
                start=parse_day_or_time(params["from"]),
                end=parse_day_or_time(params["to"]),
                group_by=tuple(Dimension(d) for d in params.getlist("group_by")),
                network_id=params.get("network") or None,
            )
        except (KeyError, ValueError):
            return _bad(
                "Give from and to (dates like 2026-01-31, or ISO times; UTC unless a zone is"
                " given), a known report and group_by."
            )
        container = self.container
        try:
            async with transaction(container.session_factory) as session:
                actor = await principal_for_token(
                    session=session, token=token.strip(), clock=container.clock
                )
                table = await export_report(
                    session=session,
                    actor=actor,
                    clock=container.clock,
                    kind=kind,
                    query=query,
                    pseudonym_key=container.settings.secret_key.get_secret_value().encode(),
                )
        except Unauthenticated as exc:
            return PlainTextResponse(exc.message + "\n", status_code=401)
        except Forbidden as exc:
            return PlainTextResponse(exc.message + "\n", status_code=403)
        except NotFound as exc:
            return PlainTextResponse(exc.message + "\n", status_code=404)
        except DomainError as exc:
            return _bad(exc.message)
        name = f"{kind.value}-{query.start.date()}-{query.end.date()}.csv"
        return Response(
            to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def routes(self) -> list[BaseRoute]:
        """The download route."""
        return [Route("/reports/{kind}.csv", self.download, methods=["GET"])]


def report_routes(container: Container) -> list[BaseRoute]:
    """Routes of the report downloads, for `hub.app`."""
    return ReportDownloads(container).routes()
