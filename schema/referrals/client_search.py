"""`clients(search: ...)`: find a returning client of your organization by name, phone or email."""

from __future__ import annotations

import strawberry

from referrals.client_search import search_clients
from schema.context import Info
from schema.referrals.types import Client, client
from schema.relay import decode_optional_id


@strawberry.type
class ClientSearchQuery:
    @strawberry.field(
        description="Clients of your organization whose name, email or phone matches `search` "
        "(2 to 100 characters; phones match on digits). Every client returned is access-logged."
    )
    async def clients(
        self,
        info: Info,
        search: str,
        organization_id: strawberry.ID | None = None,
        first: int = 20,
    ) -> list[Client]:
        ctx = info.context
        org = decode_optional_id(organization_id, "Organization", field="organizationId")
        async with ctx.transaction() as session:
            rows = await search_clients(
                session=session,
                actor=ctx.principal,
                clock=ctx.clock,
                text=search,
                organization_id=org,
                limit=first,
                through="graphql:clients",
            )
        return [client(r) for r in rows]
