"""Analytics queries for auditors and hub admins: reports, flows, demand, health, audit trails."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from referrals.analytics import audit, demand, flows, health, report
from referrals.analytics.dimensions import Dimension
from schema.analytics import types as t
from schema.context import Info
from schema.relay import Connection, connection, decode_optional_id, page_request


def _query(
    from_: datetime,
    to: datetime,
    network_id: strawberry.ID | None,
    group_by: list[Dimension] | None = None,
    need_category: str | None = None,
) -> report.ReportQuery:
    return report.ReportQuery(
        start=from_,
        end=to,
        group_by=tuple(group_by or ()),
        network_id=decode_optional_id(network_id, "Network", field="networkId"),
        need_category=need_category,
    )


def pseudonym_key(info: Info) -> bytes:
    """The key that makes referral keys opaque: the hub's secret."""
    return info.context.container.settings.secret_key.get_secret_value().encode()


FromArg = Annotated[
    datetime, strawberry.argument(name="from", description="Inclusive start (a time with zone).")
]
ToArg = Annotated[datetime, strawberry.argument(description="Exclusive end.")]
NeedCategoryArg = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A top-level need code (e.g. `food`): only referrals with a need under it, and "
            "NEED groups only for its own needs (the drill-down of NEED_CATEGORY)."
        )
    ),
]
NetworkArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="A network's id; auditors may name only their own."),
]


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(description="Referral figures of the network, grouped; small counts hidden.")
    async def network_report(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        group_by: list[Dimension] | None = None,
        network_id: NetworkArg = None,
        need_category: NeedCategoryArg = None,
    ) -> t.NetworkReport:
        async with info.context.transaction() as session:
            value = await report.network_report(
                session=session,
                actor=info.context.principal,
                clock=info.context.clock,
                query=_query(from_, to, network_id, group_by, need_category),
            )
        return t.network_report(value)

    @strawberry.field(description="Organization-to-organization referral counts.")
    async def referral_flows(
        self, info: Info, from_: FromArg, to: ToArg, network_id: NetworkArg = None
    ) -> t.FlowMatrix:
        async with info.context.transaction() as session:
            value = await flows.flow_matrix(
                session=session,
                actor=info.context.principal,
                clock=info.context.clock,
                query=_query(from_, to, network_id),
            )
        return t.flow_matrix(value)

    @strawberry.field(description="Need x ZIP where searches found no service in their radius.")
    async def unmet_demand(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        network_id: NetworkArg = None,
        limit: int = 100,
    ) -> t.UnmetDemand:
        async with info.context.session() as session:
            value = await demand.unmet_demand(
                session=session,
                actor=info.context.principal,
                query=_query(from_, to, network_id),
                limit=max(1, min(limit, 1000)),
            )
        return t.unmet_demand(value)

    @strawberry.field(description="Verification, capacity status and overdue referrals per org.")
    async def listing_health(self, info: Info, network_id: NetworkArg = None) -> t.ListingHealth:
        async with info.context.session() as session:
            value = await health.listing_health(
                session=session,
                actor=info.context.principal,
                clock=info.context.clock,
                network_id=decode_optional_id(network_id, "Network", field="networkId"),
            )
        return t.listing_health(value)

    @strawberry.field(description="De-identified referral history (no client, user or free text).")
    async def referral_audit_trail(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        network_id: NetworkArg = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[t.AuditEvent]:
        async with info.context.session() as session:
            page = await audit.audit_events(
                session=session,
                actor=info.context.principal,
                query=_query(from_, to, network_id),
                page=page_request(info, first, after),
                pseudonym_key=pseudonym_key(info),
            )
        return connection(page, t.audit_event)

    @strawberry.field(description="The directory's change log: who changed which field, when.")
    async def directory_change_log(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        network_id: NetworkArg = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[t.DirectoryChange]:
        async with info.context.session() as session:
            page = await audit.change_log(
                session=session,
                actor=info.context.principal,
                query=_query(from_, to, network_id),
                page=page_request(info, first, after),
            )
        return connection(page, t.directory_change)

    @strawberry.field(description="Who read which client's personal data (hub admins only).")
    async def client_access_log(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[t.ClientDataAccess]:
        async with info.context.session() as session:
            page = await audit.access_log(
                session=session,
                actor=info.context.principal,
                query=_query(from_, to, None),
                page=page_request(info, first, after),
            )
        return connection(page, t.client_data_access)
