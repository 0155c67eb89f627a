"""login (email + password -> bearer token) and tokenRevoke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from hub.identity import service as identity
from hub.identity.models import User
from hub.identity.throttle import LoginLimits, LoginThrottle
from schema.context import Info
from schema.directory.me import Me, me
from schema.errors import AnyError, to_error
from schema.relay import decode_id, to_global_id


@strawberry.type(description="A fresh bearer token: send it as `Authorization: Bearer <token>`.")
class LoginPayload:
    token: str
    token_id: strawberry.ID
    expires_at: datetime
    me: Me


@strawberry.type
class TokenRevoked:
    token_id: strawberry.ID


LoginResult = Annotated[LoginPayload | AnyError, strawberry.union("LoginResult")]
TokenRevokeResult = Annotated[TokenRevoked | AnyError, strawberry.union("TokenRevokeResult")]


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Sign in; a wrong email or password is `Unauthenticated`.")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        container = info.context.container
        request = info.context.request
        client = getattr(request, "client", None)
        try:
            async with info.context.transaction() as session:
                issued = await identity.login(
                    session=session,
                    email=email,
                    password=password,
                    ttl=timedelta(hours=container.settings.login_token_ttl_hours),
                    clock=info.context.clock,
                    throttle=LoginThrottle(
                        container.session_factory, LoginLimits.from_settings(container.settings)
                    ),
                    client_address=client.host if client else None,
                )
                user = await session.get(User, issued.record.user_id)
                assert user is not None
                principal = await identity.principal_for_user(session=session, user=user)
        except DomainError as exc:
            return to_error(exc)
        return LoginPayload(
            token=issued.token,
            token_id=to_global_id("ApiToken", issued.record.id),
            expires_at=issued.record.expires_at,
            me=me(user, principal),
        )

    @strawberry.mutation(description="Revoke one of your tokens (hub admins: any token).")
    async def token_revoke(self, info: Info, token_id: strawberry.ID) -> TokenRevokeResult:
        try:
            ident = decode_id(token_id, "ApiToken", field="token_id")
            async with info.context.transaction() as session:
                await identity.revoke_token(
                    session=session,
                    actor=info.context.principal,
                    token_id=ident,
                    clock=info.context.clock,
                )
        except DomainError as exc:
            return to_error(exc)
        return TokenRevoked(token_id=token_id)
