"""Referral queries: a page of your organizations' referrals, one referral, one client."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.core.errors import NotFound
from referrals import queries
from referrals.clients import get_client
from referrals.queries import Direction
from referrals.state_machine import ReferralStatus
from schema.context import Info
from schema.referrals.types import Client, Referral, client, referral
from schema.relay import Connection, connection, decode_id, decode_optional_id, page_request

strawberry.enum(Direction, name="ReferralDirection")


@strawberry.input(description="A time window; `from` is inclusive, `to` exclusive.")
class DateRange:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.input(description="Which referrals to list.")
class ReferralFilter:
    direction: Direction | None = strawberry.field(
        default=None, description="SENT by or RECEIVED by your organizations; both when null."
    )
    status: list[ReferralStatus] | None = None
    need: str | None = strawberry.field(default=None, description="A need code, e.g. `food`.")
    date_range: DateRange | None = strawberry.field(
        default=None, description="When the referral was created."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this organization's (one of yours)."
    )


@strawberry.type
class ReferralQuery:
    @strawberry.field(description="Referrals your organizations sent or received, newest first.")
    async def referrals(
        self,
        info: Info,
        filter: ReferralFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Referral]:
        f = filter or ReferralFilter()
        request = page_request(info, first, after)
        span = f.date_range or DateRange()
        domain_filter = queries.ReferralFilter(
            direction=f.direction,
            statuses=tuple(f.status or ()),
            need=f.need,
            created_from=span.from_,
            created_to=span.to,
            organization_id=decode_optional_id(
                f.organization_id, "Organization", field="filter.organizationId"
            ),
        )
        async with info.context.session() as session:
            page = await queries.list_referrals(
                session=session, actor=info.context.principal, filter=domain_filter, page=request
            )
        return connection(page, referral)

    @strawberry.field(description="One referral with its history; null when not visible to you.")
    async def referral(self, info: Info, id: strawberry.ID) -> Referral | None:
        ident = decode_id(id, "Referral")
        try:
            async with info.context.transaction() as session:
                row = await queries.get_referral(
                    session=session,
                    actor=info.context.principal,
                    clock=info.context.clock,
                    referral_id=ident,
                )
        except NotFound:
            return None
        return referral(row)

    @strawberry.field(description="A client of your organization (the read is access-logged).")
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        ident = decode_id(id, "Client")
        try:
            async with info.context.transaction() as session:
                row = await get_client(
                    session=session,
                    actor=info.context.principal,
                    clock=info.context.clock,
                    client_id=ident,
                    through="graphql:client",
                )
        except NotFound:
            return None
        return client(row)
