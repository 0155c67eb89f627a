"""The Starlette GraphQL endpoint: authentication over HTTP headers and WebSocket params."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from hub.container import Container
from hub.core import safe_json
from hub.core.errors import Unauthenticated
from schema.context import Context, authenticate
from schema.graphiql import GRAPHIQL_PAGE
from schema.root import build_schema


class HubGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context and bearer-token authentication."""

    def __init__(self, container: Container) -> None:
        super().__init__(
            build_schema(container.settings),
            graphql_ide="graphiql" if container.settings.debug else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
        )
        self.container = container

    def decode_json(self, data: str | bytes) -> object:
        """Parse JSON defensively (UTF-8, depth, surrogates); failures are JSONDecodeError."""
        return safe_json.decode(data)

    def parse_json(self, data: str | bytes) -> Any:
        """Parse a request body or parameter: a JSON object, else HTTP 400 with the reason."""
        try:
            value = safe_json.decode(data)
        except safe_json.UnsafeJson as exc:
            raise HTTPException(400, exc.reason) from None
        if not isinstance(value, dict):
            raise HTTPException(400, "Send a JSON object with `query` (and `variables`).")
        return value

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the vendored files under /static (no CDN: it works offline)."""
        return HTMLResponse(GRAPHIQL_PAGE)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        """Authenticate an HTTP request; WebSockets authenticate in `on_ws_connect`."""
        if isinstance(request, WebSocket):
            return Context(self.container, request=request, websocket=True)
        principal = await authenticate(self.container, request.headers.get("authorization"))
        return Context(self.container, request=request, principal=principal)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate from `connection_params.authorization` (or the handshake header)."""
        params = context.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        if value is None and context.request is not None:
            value = context.request.headers.get("authorization")
        try:
            context.principal = await authenticate(
                self.container, value if isinstance(value, str) else None
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError(
                {"message": exc.message, "code": exc.code.value}
            ) from exc
        ack: UnsetType = UNSET  # plain connection_ack, no payload
        return ack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        response: Response
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        except Unauthenticated as exc:
            # A bad token is an error in GraphQL's shape, never a silent anonymous request.
            body = {
                "data": None,
                "errors": [{"message": exc.message, "extensions": {"code": exc.code.value}}],
            }
            response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


def graphql_app(container: Container) -> HubGraphQL:
    """Build the GraphQL ASGI endpoint for a container."""
    return HubGraphQL(container)
